// Route matching: an HTTP request (method and raw path) → the catalogue's action and the resource
// ARN it acts on, for a gateway or middleware in front of the service. Pure.
//
//   matchRoute(orders, 'POST', '/orders/42/cancel', { partition: 'aws', account: '123456789012', region: 'eu-west-1' })
//     → { action: 'orders:CancelOrder', resource: 'arn:aws:orders:eu-west-1:123456789012:order/42', params: { OrderId: '42' } }
//
// The rules, chosen to fail closed (no match means the caller refuses the request):
// - the path is the raw request target (a query string or fragment is ignored); each segment is
//   percent-decoded on its own; a malformed encoding, an empty segment (`//`, a trailing `/`), a
//   dot segment (`.`, `..`, `%2e%2e`), a control character, or a `/` decoded inside a segment
//   that a placeholder takes (`a%2Fb`) is no match — never a throw;
// - literal segments compare exactly (case-sensitive) with the decoded segment;
// - the most specific route wins: segment by segment, a literal before a `{Name}` before a
//   `{Name+}`; for the same path shape, the exact method before `*`; HEAD falls back to GET routes
//   when no route takes HEAD itself;
// - the resource ARN is the resource type's first ArnFormat whose variables the route's
//   placeholders all fill; `${Partition}`, `${Region}` and `${Account}` come from the caller
//   (iamd's partition, the account, the region of the request's credential scope). A route with no
//   Resource acts on `*`, as actions without resource types do in IAM.
import { arnFormatVariables, routeSegments, type CatalogueRoute, type RouteSegment, type ServiceCatalogue } from './catalogue-format.ts';

export interface RouteScope {
  partition: string;
  account: string;
  region: string;
}

export interface RouteMatch {
  /** `service:Action`, as policies name it. */
  action: string;
  /** The resource ARN, or `*` for a route that names no resource type. */
  resource: string;
  /** The placeholders' values, percent-decoded. */
  params: Record<string, string>;
  route: CatalogueRoute;
}

interface CompiledRoute {
  route: CatalogueRoute;
  method: string;
  segments: RouteSegment[];
  greedy: boolean;
  action: string;
  /** The ArnFormat that the placeholders fill, when the route names a resource type. */
  arnFormat?: string;
  /** Sort key: one digit per segment (0 literal, 1 placeholder, 2 greedy), then the method (0 exact, 1 any). */
  rank: string;
}

const compiled = new WeakMap<ServiceCatalogue, CompiledRoute[]>();

function compile(catalogue: ServiceCatalogue): CompiledRoute[] {
  let routes = compiled.get(catalogue);
  if (routes) return routes;
  routes = [];
  for (const route of catalogue.Routes) {
    const segments = routeSegments(route.Path);
    if (typeof segments === 'string') continue;
    const action = catalogue.Actions.find((a) => a.Name.toLowerCase() === route.Action.toLowerCase());
    if (!action) continue;
    const placeholders = new Set(segments.flatMap((s) => ('variable' in s ? [s.variable] : [])));
    let arnFormat: string | undefined;
    if (route.Resource !== undefined) {
      const resource = catalogue.Resources.find((r) => r.Name.toLowerCase() === route.Resource!.toLowerCase());
      arnFormat = resource?.ArnFormats.find((f) => {
        const vars = arnFormatVariables(f, catalogue.Name);
        return typeof vars !== 'string' && vars.every((v) => placeholders.has(v));
      });
      if (arnFormat === undefined) continue; // a catalogue that was validated never gets here
    }
    const last = segments[segments.length - 1];
    routes.push({
      route,
      method: route.Method,
      segments,
      greedy: last !== undefined && 'variable' in last && last.greedy,
      action: `${catalogue.Name}:${action.Name}`,
      arnFormat,
      rank: segments.map((s) => ('literal' in s ? '0' : s.greedy ? '2' : '1')).join('') + (route.Method === '*' ? '~1' : '~0'),
    });
  }
  // Most specific first: compare the shapes segment by segment (a shorter shape that is a prefix
  // of a longer one only ever matches paths of another length, so their order does not matter).
  routes.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  compiled.set(catalogue, routes);
  return routes;
}

/** The request path's segments, each percent-decoded; undefined when the path is no match for any route. */
function requestSegments(rawPath: string): string[] | undefined {
  let path = rawPath;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  if (!path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const out: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    if (raw === '') return undefined;
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (s === '.' || s === '..' || /[\u0000-\u001f\u007f]/.test(s)) return undefined;
    out.push(s);
  }
  return out;
}

function matchPath(route: CompiledRoute, segments: string[]): Record<string, string> | undefined {
  const n = route.segments.length;
  if (route.greedy ? segments.length < n : segments.length !== n) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const s = route.segments[i]!;
    if ('literal' in s) {
      if (segments[i] !== s.literal) return undefined;
    } else if (s.greedy) {
      const rest = segments.slice(i);
      if (rest.some((x) => x.includes('/'))) return undefined; // a/b and a%2Fb must not name the same resource
      params[s.variable] = rest.join('/');
    } else {
      const value = segments[i]!;
      if (value.includes('/')) return undefined; // %2F: one segment must not stand for several
      params[s.variable] = value;
    }
  }
  return params;
}

function fill(format: string, params: Record<string, string>, scope: RouteScope): string | undefined {
  let missing = false;
  const arn = format.replace(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => {
    const value = name === 'Partition' ? scope.partition : name === 'Region' ? scope.region : name === 'Account' ? scope.account : params[name];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : arn;
}

function find(routes: CompiledRoute[], method: string, segments: string[], scope: RouteScope): RouteMatch | undefined {
  for (const r of routes) {
    if (r.method !== method && r.method !== '*') continue;
    const params = matchPath(r, segments);
    if (!params) continue;
    const resource = r.arnFormat === undefined ? '*' : fill(r.arnFormat, params, scope);
    if (resource === undefined) continue;
    return { action: r.action, resource, params, route: r.route };
  }
  return undefined;
}

/** The action and resource ARN a request maps to by the catalogue's Routes, or undefined when no route takes it. */
export function matchRoute(catalogue: ServiceCatalogue, method: string, path: string, scope: RouteScope): RouteMatch | undefined {
  const segments = requestSegments(path);
  if (!segments) return undefined;
  const routes = compile(catalogue);
  const m = method.toUpperCase();
  return find(routes, m, segments, scope) ?? (m === 'HEAD' ? find(routes, 'GET', segments, scope) : undefined);
}
