import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('a relay node on the redis option', () => {
  it('closes while Redis is unreachable without ending the process on an unhandled rejection', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`
    const result = await runNode(['--import', 'tsx', 'test/redis/closeWhileDownMain.ts', url])
    expect(result.stderr).not.toContain('Connection is closed')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('closed\n')
  }, 60_000)
})
