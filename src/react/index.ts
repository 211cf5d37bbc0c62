// React bindings (hooks, debugger panel).
export {}
