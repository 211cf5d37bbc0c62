import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

/** Runs `bench/syncPeers.ts --quick` to its end: its exit code and what it printed. */
function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/syncPeers.ts', '--quick'], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += String(d)
  })
  child.stderr.on('data', (d) => {
    stderr += String(d)
  })
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

describe('bench/syncPeers.ts', () => {
  it('runs in quick mode and prints the peers table and the slice table', async () => {
    const { code, stdout, stderr } = await runQuick()
    expect(code, stderr).toBe(0)
    const header = stdout.split('\n').find((line) => line.startsWith('measure'))
    for (const peer of [
      'raw Socket.IO',
      'Yjs',
      'Logux',
      'patchwire',
      'patchwire SQLite FULL',
      'patchwire relay CLI',
    ]) {
      expect(header).toContain(peer)
    }
    for (const row of [
      'max sustained writes/s',
      'p50 latency at 50 writes/s',
      'reader CPU per delivered change',
      'writer CPU per write',
      'server CPU per delivery',
      'server RSS',
      '10,000 entities, paced',
      '10,000 entities, bursts of 10',
      '100 entities, paced',
      '100 entities, bursts of 10',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${row}.*\\d`, 'm'))
    }
  }, 900_000)
})
