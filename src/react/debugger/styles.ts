import type { CSSProperties } from 'react'

// Inline styles keep the panel free of a CSS pipeline and of the host app's styles.
export const panel: CSSProperties = {
  font: '12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  color: '#e6e6e6',
  background: '#1e1f24',
  border: '1px solid #3a3d45',
  borderRadius: 6,
  padding: 8,
  maxHeight: '45vh',
  overflow: 'auto',
  boxSizing: 'border-box',
}

export const docked: CSSProperties = {
  position: 'fixed',
  right: 8,
  bottom: 8,
  width: 'min(720px, calc(100vw - 16px))',
  zIndex: 2147483000,
  boxShadow: '0 4px 16px rgba(0,0,0,.35)',
}

export const heading: CSSProperties = {
  font: 'inherit',
  fontWeight: 700,
  margin: '8px 0 4px',
  color: '#9ecbff',
}

export const table: CSSProperties = { borderCollapse: 'collapse', width: '100%' }
export const cell: CSSProperties = {
  padding: '2px 4px',
  borderTop: '1px solid #2c2e35',
  verticalAlign: 'top',
  textAlign: 'left',
}
export const button: CSSProperties = {
  font: 'inherit',
  color: 'inherit',
  background: '#2c2e35',
  border: '1px solid #4a4e59',
  borderRadius: 4,
  padding: '2px 8px',
  cursor: 'pointer',
}
export const textarea: CSSProperties = {
  font: 'inherit',
  color: 'inherit',
  background: '#14151a',
  border: '1px solid #4a4e59',
  width: '100%',
  boxSizing: 'border-box',
  minHeight: 56,
}
export const rejected: CSSProperties = { color: '#ff8b8b' }
export const muted: CSSProperties = { color: '#8b8f99' }
export const badge = (ok: boolean): CSSProperties => ({
  display: 'inline-block',
  padding: '0 6px',
  borderRadius: 8,
  background: ok ? '#1f4d2b' : '#5a3b12',
  color: ok ? '#b6f0c2' : '#ffd59e',
})
