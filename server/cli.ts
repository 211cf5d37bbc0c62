// Placeholder until the relay CLI lands.
console.error('patchwire: the relay is not built yet')
process.exit(1)
