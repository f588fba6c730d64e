// A small shopping cart to try Alembic on.
// Inline completion: put the cursor at the end of the `return` line in total() and wait for the
// grey ghost text; Tab accepts it.

export function createCart() {
  return { items: [] };
}

export function addItem(cart, name, price, quantity = 1) {
  cart.items.push({ name, price, quantity });
  return cart;
}

export function total(items) {
  return 
}
