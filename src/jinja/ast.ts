/** The parsed template: statements (nodes) and expressions. */

export type Expr =
  | { readonly t: 'const'; readonly value: unknown }
  | { readonly t: 'name'; readonly name: string; readonly line: number }
  | { readonly t: 'attr'; readonly obj: Expr; readonly name: string; readonly line: number }
  | { readonly t: 'item'; readonly obj: Expr; readonly key: Expr; readonly line: number }
  | { readonly t: 'slice'; readonly obj: Expr; readonly start?: Expr; readonly stop?: Expr; readonly step?: Expr }
  | { readonly t: 'call'; readonly fn: Expr; readonly args: readonly Expr[]; readonly kwargs: readonly [string, Expr][]; readonly line: number }
  | { readonly t: 'filter'; readonly value: Expr; readonly name: string; readonly args: readonly Expr[]; readonly kwargs: readonly [string, Expr][]; readonly line: number }
  | { readonly t: 'test'; readonly value: Expr; readonly name: string; readonly args: readonly Expr[]; readonly negated: boolean; readonly line: number }
  | { readonly t: 'binop'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly line: number }
  | { readonly t: 'unary'; readonly op: '-' | '+' | 'not'; readonly operand: Expr }
  | { readonly t: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly t: 'compare'; readonly first: Expr; readonly ops: readonly [string, Expr][]; readonly line: number }
  | { readonly t: 'cond'; readonly test: Expr; readonly then: Expr; readonly else?: Expr | undefined; readonly line: number }
  | { readonly t: 'list' | 'tuple'; readonly items: readonly Expr[] }
  | { readonly t: 'dict'; readonly items: readonly [Expr, Expr][] };

/** Where a value is stored: a name, names to unpack into, or an attribute of a namespace. */
export type Target = { readonly t: 'names'; readonly names: readonly string[]; readonly unpack: boolean } | { readonly t: 'nsattr'; readonly ns: string; readonly attr: string };

export type Node =
  | { readonly t: 'text'; readonly value: string }
  | { readonly t: 'output'; readonly expr: Expr; readonly line: number }
  | { readonly t: 'if'; readonly branches: readonly { readonly test: Expr; readonly body: readonly Node[] }[]; readonly else: readonly Node[] }
  | {
      readonly t: 'for';
      readonly target: Target & { t: 'names' };
      readonly iter: Expr;
      readonly filter?: Expr | undefined;
      readonly body: readonly Node[];
      readonly else: readonly Node[];
      readonly line: number;
    }
  | { readonly t: 'set'; readonly target: Target; readonly expr: Expr }
  | { readonly t: 'setblock'; readonly name: string; readonly filters: readonly FilterCall[]; readonly body: readonly Node[] }
  | { readonly t: 'filterblock'; readonly filters: readonly FilterCall[]; readonly body: readonly Node[] }
  | { readonly t: 'with'; readonly assigns: readonly [string, Expr][]; readonly body: readonly Node[] };

export interface FilterCall {
  readonly name: string;
  readonly args: readonly Expr[];
  readonly kwargs: readonly [string, Expr][];
  readonly line: number;
}
