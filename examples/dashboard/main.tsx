import { mountExample } from '../shared/Page'
import { DashboardApp } from './App'
import { makeDashboardStore } from './store'

mountExample(makeDashboardStore(), 'Live dashboard', <DashboardApp />)
