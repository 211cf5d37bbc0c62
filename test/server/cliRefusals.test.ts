import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RELAY_FLAGS } from '../../server/cli/relayFlags'
import { runRelayCli } from './cliProcess'

describe('patchwire relay refuses bad settings', () => {
  it.each([
    [
      'a value that is not a number',
      ['--max-payload-bytes', 'lots'],
      '--max-payload-bytes must be a positive integer, received "lots".',
    ],
    [
      'a negative number',
      ['--max-violations', '-3'],
      '--max-violations must be a positive integer, received "-3".',
    ],
    [
      'zero where a rate must be positive',
      ['--messages-per-second=0'],
      '--messages-per-second must be a positive number, received "0".',
    ],
    [
      'an unknown flag',
      ['--max-payload', '10'],
      'Unknown flag --max-payload, received "--max-payload".',
    ],
    [
      'a missing file',
      ['--jwt-public-key', '/nonexistent/key.pem'],
      '--jwt-public-key must be an existing file, received "/nonexistent/key.pem".',
    ],
    [
      'a missing config file',
      ['--config', '/nonexistent/patchwire.config.json'],
      '--config must be an existing file, received "/nonexistent/patchwire.config.json".',
    ],
    [
      'a flag without its value',
      ['--memory', '--port'],
      '--port needs a value <n>, received nothing.',
    ],
    [
      'a value given to a switch',
      ['--memory=yes'],
      '--memory takes no value, received "--memory=yes".',
    ],
    [
      'an empty entry in a list',
      ['--cors-origin', 'https://a.example,'],
      '--cors-origin must be a comma-separated list without empty entries, received "https://a.example,".',
    ],
    [
      'a JWKS address that is not http(s)',
      ['--jwks', 'file:///etc/keys.json'],
      '--jwks must be an http:// or https:// URL, received "file:///etc/keys.json".',
    ],
    [
      'two ways to verify tokens',
      ['--jwt-secret', 's', '--jwks', 'https://auth.example/jwks.json'],
      'Pass only one of --jwt-secret, --jwt-public-key or --jwks.',
    ],
    [
      'a token check without a key',
      ['--jwt-audience', 'app'],
      '--jwt-audience needs a key to verify tokens with',
    ],
  ])('refuses %s with a message naming the flag, exit code 2', async (_what, args, message) => {
    const run = await runRelayCli(args)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(message)
  })

  it('refuses a key file that holds no key, naming the flag', async () => {
    const run = await runRelayCli(['--jwt-public-key', 'package.json'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /--jwt-public-key must be a PEM public key or a JWK \/ JWKS JSON file/,
    )
  })
})

describe('patchwire relay --help', () => {
  it('lists every flag of the table with its default', async () => {
    const run = await runRelayCli(['--help'])
    expect(run.code).toBe(0)
    // One entry per flag: its first line starts with the flag, continuation lines are indented.
    const entries = run.stdout.split('\n').reduce<string[]>((all, line) => {
      if (/^ {2}-/.test(line)) all.push(line.trim())
      else if (/^ {4,}\S/.test(line) && all.length > 0) all[all.length - 1] += ` ${line.trim()}`
      return all
    }, [])
    for (const row of RELAY_FLAGS) {
      const flag = new RegExp(`^(-\\w, )?--${row.flag}( |$)`)
      const entry = entries.find((e) => flag.test(e))
      expect(entry, `--${row.flag} in --help`).toBeDefined()
      if (row.shown) expect(entry).toContain(`default: ${row.shown}`)
    }
  })

  it('documents every flag in the CLI reference table with its config key and default', () => {
    const reference = readFileSync('docs/reference/relay-cli.md', 'utf8')
    for (const row of RELAY_FLAGS) {
      const flag = new RegExp(`^\\| \`(-\\w, )?--${row.flag}[\` ]`)
      const line = reference.split('\n').find((l) => flag.test(l))
      expect(line, `docs/reference/relay-cli.md row for --${row.flag}`).toBeDefined()
      if (!row.flagOnly) expect(line).toContain(`\`${row.key}\``)
      if (row.shown) expect(line).toContain(row.shown)
    }
  })
})
