import { Box, Text } from 'ink';
import type { HostStatus, RunResultData } from '../base/types.js';
import { diffLineColor } from './diff.js';
import { rowBody, STATUS_ICON, type BodyLine, type CutPolicy } from './format.js';
import { formatRange, groupOutcomes, summaryLine } from './group.js';

const COLOR: Readonly<Record<HostStatus, string>> = {
  ok: 'green',
  changed: 'yellow',
  failed: 'red',
  unreachable: 'red',
  skipped: 'cyan',
  cancelled: 'magenta',
};

export interface ResultTableProps {
  readonly result: RunResultData;
  readonly columns: number;
  /** How long output is cut, and the hint shown instead; undefined shows everything. */
  readonly cut?: CutPolicy | undefined;
}

function BodyText({ line }: { line: BodyLine }) {
  const t = line.text === '' ? ' ' : line.text;
  if (line.kind === 'more') return <Text dimColor>{t}</Text>;
  if (line.kind === 'stderr') return <Text color="red" dimColor>{t}</Text>;
  if (line.kind === 'observe') return <Text color="cyan" dimColor>{t}</Text>;
  if (line.kind === 'diff') {
    const c = diffLineColor(line.text);
    return c === 'bold' ? <Text bold>{t}</Text> : c === undefined ? <Text>{t}</Text> : <Text color={c}>{t}</Text>;
  }
  return <Text>{t}</Text>;
}

/** One row per group of hosts that ended the same way (its stderr and diff under it), then the summary line. */
export function ResultTable({ result, columns, cut }: ResultTableProps) {
  const rows = groupOutcomes(result);
  const times = rows.map((r) => formatRange(r.minMs, r.durationMs));
  const statusWidth = Math.max(...rows.map((r) => r.status.length), 2) + 3;
  const hostWidth = Math.min(Math.max(...rows.map((r) => `${r.folded} (${r.hosts.length})`.length), 4) + 2, Math.floor(columns / 3));
  const timeWidth = Math.max(9, ...times.map((t) => t.length + 1));
  const outWidth = Math.max(10, columns - statusWidth - hostWidth - timeWidth - 2);
  const underWidth = Math.max(10, columns - 4);
  return (
    <Box flexDirection="column">
      {rows.map((r, n) => {
        const lines = rowBody({ ...r, stderr: '', diff: [], observations: [] }, { width: outWidth, cut });
        const under = rowBody({ ...r, summary: '' }, { width: underWidth, cut });
        return (
          <Box key={`${r.status}:${r.folded}`} flexDirection="column">
            <Box flexDirection="row">
              <Box width={statusWidth} flexShrink={0}>
                <Text color={COLOR[r.status]} bold>{`${STATUS_ICON[r.status]} ${r.status}`}</Text>
              </Box>
              <Box width={hostWidth} flexShrink={0}>
                <Text wrap="wrap">{`${r.folded} (${r.hosts.length})`}</Text>
              </Box>
              <Box width={outWidth} flexDirection="column">
                {lines.length === 0 ? <Text> </Text> : lines.map((l, i) => <BodyText key={i} line={l} />)}
              </Box>
              <Box width={timeWidth} justifyContent="flex-end" flexShrink={0}>
                <Text dimColor>{times[n]}</Text>
              </Box>
            </Box>
            {under.length === 0 ? null : (
              <Box flexDirection="column" paddingLeft={4}>
                {under.map((l, i) => (
                  <BodyText key={i} line={l} />
                ))}
              </Box>
            )}
          </Box>
        );
      })}
      <Text dimColor>{summaryLine(result)}</Text>
    </Box>
  );
}
