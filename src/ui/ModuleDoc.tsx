import { Box, Text } from 'ink';
import type { ModuleDoc as Doc, ModuleOption } from '../base/module-types.js';
import { parseMarkup } from './markup.js';

/** Doc text with Ansible's markup rendered: names bold, emphasis and links underlined, code in colour; every paragraph, whole. */
function DocText({ text, colors }: { readonly text: string; readonly colors: boolean }) {
  return (
    <Text>
      {parseMarkup(text).map((p, i) => (
        <Text key={i} bold={p.style === 'bold'} underline={p.style === 'underline'} {...(p.style === 'code' ? { color: 'cyan' } : {})}>
          {/* Without colours, code keeps quotes so that it still stands apart. */}
          {p.style === 'code' && !colors ? `'${p.text}'` : p.text}
        </Text>
      ))}
    </Text>
  );
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function OptionLine({ o, colors }: { readonly o: ModuleOption; readonly colors: boolean }) {
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
        <DocText text={o.description} colors={colors} />
      </Box>
    </Box>
  );
}

/** `.doc MODULE`: description, options, examples. */
export function ModuleDoc({ doc, colors = true }: { readonly doc: Doc; readonly colors?: boolean }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{doc.fqcn}</Text>
        <Text>{' — '}</Text>
        <DocText text={doc.shortDescription} colors={colors} />
        {doc.native ? <Text color="green">{'  (native: runs inside the gate)'}</Text> : null}
      </Text>
      {doc.deprecation === undefined ? null : <Text color="yellow">{`deprecated: ${doc.deprecation}`}</Text>}
      <Box marginTop={1}>
        <DocText text={doc.description} colors={colors} />
      </Box>
      <Box marginTop={1}>
        <Text bold underline>
          Options
        </Text>
      </Box>
      {doc.options.length === 0 ? <Text dimColor>(none)</Text> : [...doc.options].sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name)).map((o) => <OptionLine key={o.name} o={o} colors={colors} />)}
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
