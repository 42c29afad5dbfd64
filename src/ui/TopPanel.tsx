import { Box, Text } from 'ink';
import { bytes, percent, type TopRow, type TopSort } from './top.js';

export interface TopPanelProps {
  readonly rows: readonly TopRow[];
  readonly sort: TopSort;
  readonly title: string;
  readonly columns: number;
}

const COLUMNS: readonly { key: TopSort; label: string; width: number }[] = [
  { key: 'cpu', label: 'CPU', width: 8 },
  { key: 'load', label: 'LOAD', width: 7 },
  { key: 'mem', label: 'MEM', width: 16 },
  { key: 'disk', label: 'DISK', width: 8 },
  { key: 'net', label: 'NET rx/tx', width: 16 },
];

function heat(p: number | undefined): string | undefined {
  if (p === undefined) return undefined;
  return p >= 90 ? 'red' : p >= 70 ? 'yellow' : undefined;
}

/** The live metrics panel: a header (the sort column marked), one row per host, the keys. */
export function TopPanel({ rows, sort, title, columns }: TopPanelProps) {
  const hostWidth = Math.min(Math.max(6, ...rows.map((r) => r.host.length + 2)), Math.max(8, columns - 58));
  const head = (key: TopSort, label: string): string => (key === sort ? `${label}▼` : label);
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{title}</Text>
      <Box>
        <Box width={hostWidth}>
          <Text bold>{head('host', 'HOST')}</Text>
        </Box>
        {COLUMNS.map((c) => (
          <Box key={c.key} width={c.width}>
            <Text bold>{head(c.key, c.label)}</Text>
          </Box>
        ))}
      </Box>
      {rows.map((r) => (
        <Box key={r.host}>
          <Box width={hostWidth}>
            <Text wrap="truncate">{r.host}</Text>
          </Box>
          {r.note !== undefined && r.cpu === undefined ? (
            <Text dimColor wrap="truncate">{r.note}</Text>
          ) : (
            <>
              <Box width={8}>
                <Text {...(heat(r.cpu) === undefined ? {} : { color: heat(r.cpu) })}>{percent(r.cpu)}</Text>
              </Box>
              <Box width={7}>
                <Text>{r.load === undefined ? '-' : r.load.toFixed(2)}</Text>
              </Box>
              <Box width={16}>
                <Text {...(heat(r.memPercent) === undefined ? {} : { color: heat(r.memPercent) })}>{r.memPercent === undefined ? '-' : `${percent(r.memPercent)} ${bytes(r.memUsed)}/${bytes(r.memTotal)}`}</Text>
              </Box>
              <Box width={8}>
                <Text {...(heat(r.diskPercent) === undefined ? {} : { color: heat(r.diskPercent) })}>{percent(r.diskPercent)}</Text>
              </Box>
              <Box width={16}>
                <Text>{r.rxRate === undefined ? '-' : `${bytes(r.rxRate)}/${bytes(r.txRate)}`}</Text>
              </Box>
            </>
          )}
        </Box>
      ))}
      <Text dimColor>sort: h host · c cpu · l load · m mem · d disk · n net — any other key leaves</Text>
    </Box>
  );
}
