import { Box, Text } from 'ink';
import type { ModuleDoc as Doc, ModuleOption } from '../base/module-types.js';

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function OptionLine({ o }: { readonly o: ModuleOption }) {
  const extras = [
    o.required ? 'required' : undefined,
    o.default === undefined ? undefined : `default ${show(o.default)}`,
    o.choices === undefined ? undefined : `one of ${o.choices.map(show).join(', ')}`,
    o.aliases.length > 0 ? `aliases ${o.aliases.join(', ')}` : undefined,
    o.noLog ? 'secret (no_log)' : undefined,
  ].filter((x): x is string => x !== undefined);
  return (
    <Box flexDirection="column" marginBottom={0}>
      <Text>
        <Text bold color={o.required ? 'yellow' : 'cyan'}>{o.name}</Text>
        <Text dimColor>{` (${o.type}${o.elements === undefined ? '' : ` of ${o.elements}`})`}</Text>
        {extras.length > 0 ? <Text>{`  ${extras.join(' · ')}`}</Text> : null}
      </Text>
      <Box marginLeft={4}>
        <Text>{o.description.split('\n')[0] ?? ''}</Text>
      </Box>
    </Box>
  );
}

/** `.doc MODULE`: description, options, examples. */
export function ModuleDoc({ doc }: { readonly doc: Doc }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{doc.fqcn}</Text>
        <Text>{` — ${doc.shortDescription}`}</Text>
        {doc.native ? <Text color="green">{'  (native: runs inside the gate)'}</Text> : null}
      </Text>
      {doc.deprecation === undefined ? null : <Text color="yellow">{`deprecated: ${doc.deprecation}`}</Text>}
      <Box marginTop={1}>
        <Text>{doc.description}</Text>
      </Box>
      <Box marginTop={1}>
        <Text bold underline>
          Options
        </Text>
      </Box>
      {doc.options.length === 0 ? <Text dimColor>(none)</Text> : [...doc.options].sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name)).map((o) => <OptionLine key={o.name} o={o} />)}
      {doc.examples.trim() === '' ? null : (
        <Box flexDirection="column" marginTop={1}>
          <Text bold underline>
            Examples (Ansible YAML; in ftl: ftl.host.{doc.shortName}({'{ ... }'}))
          </Text>
          <Text>{doc.examples.trim()}</Text>
        </Box>
      )}
    </Box>
  );
}
