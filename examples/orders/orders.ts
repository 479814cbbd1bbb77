// The orders example's domain: an in-memory store, and the ARN of an order. Nothing here knows HTTP
// or iamd; express-app.ts and fastify-app.ts protect the same four routes with @iamd/middleware.
import { randomUUID } from 'node:crypto';

export interface Order {
  OrderId: string;
  Item: string;
  Quantity: number;
  /** The order's value, the `orders:Amount` condition key. */
  Amount: number;
  Status: 'Open' | 'Cancelled';
  /** The principal (ARN) that created it, as iamd authenticated it. */
  CreatedBy: string;
  /** A resource-based policy of this order (JSON), evaluated by iamd with the caller's own policies. */
  Policy?: string;
}

export interface OrdersConfig {
  /** The region the service runs in: its ARNs name it. */
  region: string;
  /** The account that owns the orders. */
  accountId: string;
  partition?: string;
}

export class OrderStore {
  private readonly orders = new Map<string, Order>();

  list(): Order[] {
    return [...this.orders.values()];
  }

  get(id: string): Order | undefined {
    return this.orders.get(id);
  }

  create(order: Omit<Order, 'OrderId' | 'Status'> & { OrderId?: string }): Order {
    const created: Order = { ...order, OrderId: order.OrderId ?? randomUUID(), Status: 'Open' };
    this.orders.set(created.OrderId, created);
    return created;
  }

  cancel(id: string): Order | undefined {
    const order = this.orders.get(id);
    if (order) order.Status = 'Cancelled';
    return order;
  }
}

/** `arn:aws:orders:us-east-1:111122223333:order/42`, the resource type `order` of orders.catalog.json. */
export function orderArn(config: OrdersConfig, id: string): string {
  return `arn:${config.partition ?? 'aws'}:orders:${config.region}:${config.accountId}:order/${id}`;
}

/** ListOrders and CreateOrder name no resource type, so they are authorized on `*`, as in AWS. */
export const ANY_RESOURCE = '*';

/** The JSON body of POST /orders, checked; a string when it is not valid. */
export function newOrderInput(body: unknown): { Item: string; Quantity: number; Amount: number } | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.Item !== 'string' || b.Item === '') return 'Item must be a non-empty string.';
  const quantity = b.Quantity ?? 1;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) return 'Quantity must be a positive integer.';
  if (typeof b.Amount !== 'number' || !(b.Amount >= 0)) return 'Amount must be a number, 0 or more.';
  return { Item: b.Item, Quantity: quantity, Amount: b.Amount };
}

/** Errors in the AWS JSON protocol's style, like the middleware's refusals. */
export function errorBody(code: string, message: string): { __type: string; message: string } {
  return { __type: code, message };
}
