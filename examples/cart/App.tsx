import type { PersistInstance } from 'patchwire'
import {
  useIsHydrated,
  useIsPending,
  usePendingChanges,
  usePersistStatus,
  useSyncStatus,
} from 'patchwire/react'
import { useState } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import type { OfflineSwitch } from '../shared/offlineSwitch'
import type { CartItem } from '../shared/schemas'
import { useRelaySocketCount } from '../shared/useRelaySocketCount'
import { type CartRootState, itemAdded, itemRemoved, PRODUCTS, quantitySet } from './store'
import { UndoButtons } from './UndoButtons'

const row: React.CSSProperties = { display: 'flex', gap: 8, alignItems: 'center', margin: '6px 0' }

function CartLine({ sku, item }: { sku: string; item: CartItem }) {
  const dispatch = useDispatch()
  // Lit while this line's edit waits for the relay (offline, or in flight).
  const saving = useIsPending(['cart', 'items', sku])
  return (
    <div style={row} data-testid={`line-${sku}`}>
      <span style={{ width: 140 }}>{item.name}</span>
      <input
        type="number"
        min={1}
        max={99}
        aria-label={`${item.name} quantity`}
        data-testid={`qty-${sku}`}
        value={item.qty}
        onChange={(e) => {
          const qty = Number(e.target.value)
          if (Number.isInteger(qty) && qty >= 1) dispatch(quantitySet({ sku, qty }))
        }}
        style={{ width: 56 }}
      />
      <span style={{ width: 70 }}>${(item.price * item.qty).toFixed(2)}</span>
      <button type="button" onClick={() => dispatch(itemRemoved(sku))}>
        Remove
      </button>
      {saving ? <small style={{ color: '#a15c00' }}>not synced yet</small> : null}
    </div>
  )
}

export function CartApp({ network, saver }: { network: OfflineSwitch; saver: PersistInstance }) {
  const dispatch = useDispatch()
  const items = useSelector((s: CartRootState) => s.cart.items)
  const hydrated = useIsHydrated()
  const persisted = usePersistStatus('cart')
  const sync = useSyncStatus('cart:demo')
  const { count } = usePendingChanges()
  const sockets = useRelaySocketCount()
  const [offline, setOffline] = useState(network.offline)
  const total = Object.values(items).reduce((sum, i) => sum + i.price * i.qty, 0)
  return (
    <>
      <p style={row}>
        <label>
          <input
            type="checkbox"
            data-testid="offline"
            checked={offline}
            onChange={(e) => {
              setOffline(e.target.checked)
              // Written before the reload, so the edits and the outbox come back.
              network.set(e.target.checked, () => saver.flush())
            }}
          />{' '}
          offline
        </label>
        <span>
          relay: <strong data-testid="connection">{sync?.connection ?? 'idle'}</strong>
        </span>
        <span>
          storage:{' '}
          <strong data-testid="persist" data-saved-at={persisted?.lastSavedAt ?? 0}>
            {persisted?.state ?? 'hydrating'}
          </strong>
        </span>
        <span data-testid="pending">{count} pending</span>
        <span>
          relay sockets: <strong data-testid="relay-sockets">{sockets ?? '–'}</strong>
        </span>
      </p>
      <h2 style={{ fontSize: 18 }}>Shop</h2>
      {PRODUCTS.map((p) => (
        <div key={p.sku} style={row}>
          <span style={{ width: 140 }}>{p.name}</span>
          <span style={{ width: 60 }}>${p.price.toFixed(2)}</span>
          <button type="button" data-testid={`add-${p.sku}`} onClick={() => dispatch(itemAdded(p))}>
            Add
          </button>
        </div>
      ))}
      <h2 style={{ fontSize: 18, display: 'flex', gap: 12, alignItems: 'center' }}>
        Cart <UndoButtons />
      </h2>
      {!hydrated ? <p>Loading the saved cart…</p> : null}
      {hydrated && Object.keys(items).length === 0 ? <p style={{ color: '#777' }}>Empty.</p> : null}
      {Object.entries(items).map(([sku, item]) => (
        <CartLine key={sku} sku={sku} item={item} />
      ))}
      <p>
        Total: <strong data-testid="total">${total.toFixed(2)}</strong>
      </p>
      <p style={{ color: '#666' }} data-testid="explanation">
        The tab allows up to 99 of an item; the relay knows the stock (10) and refuses more: the
        change is rolled back and shows in the debugger as rejected.
      </p>
    </>
  )
}
