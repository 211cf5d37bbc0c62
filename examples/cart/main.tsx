import { mountExample } from '../shared/Page'
import { CartApp } from './App'
import { makeCartStore } from './store'

const { store, network, saver } = makeCartStore()
mountExample(store, 'Offline cart', <CartApp network={network} saver={saver} />)
