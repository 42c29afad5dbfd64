import { Box, Text } from 'ink';
import type { HostStatus, RunResultData } from '../base/types.js';
import { STATUS_ICON, trimOutput } from './format.js';
import { formatDuration, groupOutcomes, summaryLine } from './group.js';

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
}

/** One row per group of hosts that ended the same way, then the summary line. */
export function ResultTable({ result, columns }: ResultTableProps) {
  const rows = groupOutcomes(result);
  const statusWidth = Math.max(...rows.map((r) => r.status.length), 2) + 3;
  const hostWidth = Math.min(Math.max(...rows.map((r) => `${r.folded} (${r.hosts.length})`.length), 4) + 2, Math.floor(columns / 3));
  const timeWidth = 9;
  const outWidth = Math.max(10, columns - statusWidth - hostWidth - timeWidth - 2);
  return (
    <Box flexDirection="column">
      {rows.map((r) => {
        const { lines } = trimOutput(r.summary, outWidth, r.hosts[0] ?? '');
        return (
          <Box key={`${r.status}:${r.folded}`} flexDirection="row">
            <Box width={statusWidth} flexShrink={0}>
              <Text color={COLOR[r.status]} bold>{`${STATUS_ICON[r.status]} ${r.status}`}</Text>
            </Box>
            <Box width={hostWidth} flexShrink={0}>
              <Text wrap="wrap">{`${r.folded} (${r.hosts.length})`}</Text>
            </Box>
            <Box width={outWidth} flexDirection="column">
              {lines.length === 0 ? <Text> </Text> : lines.map((l, i) => <Text key={i} dimColor={l.startsWith('… see it whole')}>{l === '' ? ' ' : l}</Text>)}
            </Box>
            <Box width={timeWidth} justifyContent="flex-end" flexShrink={0}>
              <Text dimColor>{formatDuration(r.durationMs)}</Text>
            </Box>
          </Box>
        );
      })}
      <Text dimColor>{summaryLine(result)}</Text>
    </Box>
  );
}
