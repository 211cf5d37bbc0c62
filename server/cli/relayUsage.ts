import { RELAY_FLAGS, type RelayFlag } from './relayFlags'

const WIDTH = 80

function wrap(words: string, indent: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of words.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(line)
  return lines
}

function left(row: RelayFlag): string {
  const name = row.short ? `-${row.short}, --${row.flag}` : `--${row.flag}`
  return row.arg ? `${name} ${row.arg}` : name
}

/** `--help` text built from the flag table: a section per group, each flag with its default. */
function formatRelayUsage(): string {
  const flags = RELAY_FLAGS
  const column = Math.max(...flags.map((f) => left(f).length)) + 4
  const groups = new Map<string, RelayFlag[]>()
  for (const row of flags) groups.set(row.group, [...(groups.get(row.group) ?? []), row])
  let out = 'Usage: patchwire relay [options]\n'
  for (const [group, rows] of groups) {
    out += `\n${group}:\n`
    for (const row of rows) {
      const extras = [row.shown && `default: ${row.shown}`, row.env && `env ${row.env}`]
      const doc = `${row.doc}${extras.some(Boolean) ? ` (${extras.filter(Boolean).join('; ')})` : ''}`
      const [first = '', ...rest] = wrap(doc, column)
      out += `  ${left(row).padEnd(column - 2)}${first}\n`
      for (const line of rest) out += `${' '.repeat(column)}${line}\n`
    }
  }
  out += '\nPrecedence: flags, then environment variables, then the --config file, then defaults.\n'
  return out
}

/** What `patchwire relay --help` prints. */
export const RELAY_USAGE = formatRelayUsage()
