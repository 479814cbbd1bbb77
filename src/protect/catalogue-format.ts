// The service catalogue: a team's description of its own service in the shape of AWS's service
// authorization reference (actions, resource types with their ARN formats, condition keys with
// their types), plus Routes that map an HTTP request to an action and a resource ARN.
// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
//
// Pure: `parseCatalogue(text)` validates a whole document and returns it normalised, or every
// problem found, each worded as AWS words a model-validation error ("Value 'X' at 'Actions[2].Name'
// failed to satisfy constraint: …"). Nothing here does I/O or imports the rest of iamd.

export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';
export const ACCESS_LEVELS: readonly AccessLevel[] = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];

/** The types of the service authorization reference's condition keys. */
export type ConditionKeyType =
  | 'String'
  | 'ArrayOfString'
  | 'ARN'
  | 'ArrayOfARN'
  | 'Numeric'
  | 'ArrayOfNumeric'
  | 'Bool'
  | 'ArrayOfBool'
  | 'Date'
  | 'ArrayOfDate'
  | 'IPAddress'
  | 'ArrayOfIPAddress'
  | 'Binary'
  | 'ArrayOfBinary';
export const CONDITION_KEY_TYPES: readonly ConditionKeyType[] = [
  'String',
  'ArrayOfString',
  'ARN',
  'ArrayOfARN',
  'Numeric',
  'ArrayOfNumeric',
  'Bool',
  'ArrayOfBool',
  'Date',
  'ArrayOfDate',
  'IPAddress',
  'ArrayOfIPAddress',
  'Binary',
  'ArrayOfBinary',
];

export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', '*'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface CatalogueAction {
  Name: string;
  AccessLevel: AccessLevel;
  Description?: string;
  /** The resource types the action acts on; `Required` ones must be named (AWS marks them `*`). None: `Resource: "*"`. */
  Resources: { Name: string; Required?: boolean }[];
  /** Condition keys the action supports (the service's own, declared below, or global `aws:` keys). */
  ConditionKeys: string[];
  DependentActions?: string[];
}

export interface CatalogueResource {
  Name: string;
  /** `arn:${Partition}:SERVICE:${Region}:${Account}:order/${OrderId}`; region and account may be empty. */
  ArnFormats: string[];
  ConditionKeys: string[];
}

export interface CatalogueConditionKey {
  /** `SERVICE:Key` or `aws:Key`; `${TagKey}`-style variables stand for any text (`orders:ResourceTag/${TagKey}`). */
  Name: string;
  Type: ConditionKeyType;
  Description?: string;
}

export interface CatalogueRoute {
  Method: RouteMethod;
  /** `/orders/{OrderId}/cancel`: literal segments and `{Name}` placeholders; `{Name+}` (last) takes the rest of the path. */
  Path: string;
  /** An action of this catalogue, by name (`CancelOrder`). */
  Action: string;
  /** A resource type of this catalogue; none: the action is authorized on `*`. */
  Resource?: string;
}

/** A validated catalogue: every list present (empty when the document left it out). */
export interface ServiceCatalogue {
  Name: string;
  Description?: string;
  Actions: CatalogueAction[];
  Resources: CatalogueResource[];
  ConditionKeys: CatalogueConditionKey[];
  Routes: CatalogueRoute[];
}

/** Service prefixes iamd itself answers to (and `aws`, the global condition keys' prefix): no catalogue may take them. */
export const RESERVED_SERVICE_NAMES: readonly string[] = ['iam', 'sts', 'iamd', 'aws'];
export const SERVICE_NAME_PATTERN = '[a-z0-9-]{2,32}';
/** The longest catalogue document accepted, in characters. */
export const MAX_CATALOGUE_LENGTH = 131072;

const LIMITS = {
  actions: 1000,
  resources: 200,
  conditionKeys: 500,
  routes: 1000,
  arnFormats: 10,
  perAction: 100,
  description: 1000,
  arnFormat: 1024,
  path: 1024,
};

const SERVICE_NAME = new RegExp(`^${SERVICE_NAME_PATTERN}$`);
const ACTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const RESOURCE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** What follows `service:` in a condition key: letters, digits, `_.:/-` and `${Variable}`s. */
const KEY_SUFFIX = /^[A-Za-z0-9](?:[A-Za-z0-9_.:/-]|\$\{[A-Za-z][A-Za-z0-9]*\})*$/;
const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const DEPENDENT_ACTION = /^[a-z0-9-]+:[A-Za-z0-9_-]+$/;

/** The `${Name}` variables of a text, in order; undefined when a `$`, `{` or `}` stands outside a well-formed one. */
export function arnVariables(text: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '$') {
      const end = text.indexOf('}', i);
      if (text[i + 1] !== '{' || end < 0) return undefined;
      const name = text.slice(i + 2, end);
      if (!VARIABLE_NAME.test(name)) return undefined;
      names.push(name);
      i = end + 1;
    } else if (c === '{' || c === '}') {
      return undefined;
    } else {
      i++;
    }
  }
  return names;
}

/** One segment of a route's path. */
export type RouteSegment = { literal: string } | { variable: string; greedy: boolean };

/** A route path split into its segments (literals percent-decoded), or why it is not a route path. */
export function routeSegments(path: string): RouteSegment[] | string {
  if (!path.startsWith('/')) return 'Member must start with /';
  if (/[?#\s]/.test(path)) return 'Member must be a path without query, fragment or spaces';
  if (path === '/') return [];
  const segments: RouteSegment[] = [];
  const raw = path.slice(1).split('/');
  for (const [i, s] of raw.entries()) {
    if (s === '') return 'Member must not have empty segments (// or a trailing /)';
    const m = /^\{([^{}]*?)(\+?)\}$/.exec(s);
    if (m) {
      if (!VARIABLE_NAME.test(m[1]!)) return `Member must name placeholders with letters and digits (${s})`;
      const greedy = m[2] === '+';
      if (greedy && i !== raw.length - 1) return `Member may have a {Name+} placeholder only as its last segment (${s})`;
      if (segments.some((x) => 'variable' in x && x.variable === m[1])) return `Member must not repeat the placeholder {${m[1]}}`;
      segments.push({ variable: m[1]!, greedy });
      continue;
    }
    if (/[{}]/.test(s)) return `Member must have placeholders as whole segments ({Name}), not ${s}`;
    let literal: string;
    try {
      literal = decodeURIComponent(s);
    } catch {
      return `Member must be valid percent-encoded UTF-8 (${s})`;
    }
    if (literal === '.' || literal === '..' || literal.includes('/')) return `Member must not have dot segments or encoded slashes (${s})`;
    segments.push({ literal });
  }
  return segments;
}

/** The parts of an ARN format: the resource part's own variables, or why it is not an ARN format of the service. */
export function arnFormatVariables(format: string, service: string): string[] | string {
  const parts = format.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return 'Member must be an ARN format arn:${Partition}:SERVICE:REGION:ACCOUNT:RESOURCE';
  const [, partition, svc, region, account] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (partition !== '${Partition}') return 'Member must have ${Partition} as its partition';
  if (svc !== service) return `Member must have the catalog's Name (${service}) as its service`;
  if (!(region === '' || region === '${Region}' || /^[a-z0-9-]+$/.test(region))) return 'Member must have ${Region}, a region or nothing as its region';
  if (!(account === '' || account === '${Account}' || /^\d{12}$/.test(account)))
    return 'Member must have ${Account}, a 12-digit account or nothing as its account';
  if (resource === '') return 'Member must have a resource part';
  if (/[*?\s]/.test(resource)) return 'Member must not have wildcards or spaces in its resource part';
  const vars = arnVariables(resource);
  if (vars === undefined) return 'Member must write its variables as ${Name} (letters and digits)';
  for (const v of vars) {
    if (v === 'Partition' || v === 'Region' || v === 'Account') return `Member must not use \${${v}} in its resource part`;
  }
  if (new Set(vars).size !== vars.length) return 'Member must not repeat a variable';
  return vars;
}

/** A condition key name (possibly with `${…}` variables) as a case-insensitive pattern over the keys a policy writes. */
export function conditionKeyPattern(name: string): RegExp {
  const body = name
    .split(/\$\{[A-Za-z][A-Za-z0-9]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${body}$`, 'i');
}

export type ParsedCatalogue = { catalogue: ServiceCatalogue; errors?: undefined } | { catalogue?: undefined; errors: string[] };

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a value is shown in a message: AWS quotes strings, shows null for nothing. */
function shown(v: Json): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return `'${v.length > 80 ? `${v.slice(0, 77)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? '[…]' : '{…}';
}

/** Collects a document's problems, each as `Value X at 'PATH' failed to satisfy constraint: Member …`. */
class Problems {
  readonly list: string[] = [];
  add(path: string, value: Json, constraint: string): void {
    this.list.push(`Value ${shown(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }
  /** Only the listed members; returns whether the object had no other. */
  fields(obj: Record<string, Json>, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.add(path ? `${path}.${k}` : k, obj[k], `Member is not a field of ${path || 'the catalog'} (${allowed.join(', ')})`);
    }
  }
  string(v: Json, path: string, opts: { pattern?: RegExp; patternText?: string; max?: number; required?: boolean } = {}): string | undefined {
    if (v === undefined || v === null) {
      if (opts.required !== false) this.add(path, v, 'Member must not be null');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add(path, v, 'Member must be a string');
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) {
      this.add(path, v, `Member must have length less than or equal to ${opts.max}`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.add(path, v, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source.replace(/^\^|\$$/g, '')}`);
      return undefined;
    }
    return v;
  }
  array(v: Json, path: string, opts: { min?: number; max: number; required?: boolean }): Json[] {
    if (v === undefined || v === null) {
      if (opts.required) this.add(path, v, 'Member must not be null');
      return [];
    }
    if (!Array.isArray(v)) {
      this.add(path, v, 'Member must be a list');
      return [];
    }
    if (opts.min !== undefined && v.length < opts.min) this.add(path, v, `Member must have length greater than or equal to ${opts.min}`);
    if (v.length > opts.max) {
      this.add(path, v, `Member must have length less than or equal to ${opts.max}`);
      return [];
    }
    return v;
  }
  object(v: Json, path: string): Record<string, Json> | undefined {
    if (!isObject(v)) {
      this.add(path, v, v === undefined || v === null ? 'Member must not be null' : 'Member must be an object');
      return undefined;
    }
    return v;
  }
}

/** The AWS ValidationError text for a list of problems (at most 10 shown). */
export function validationMessage(errors: readonly string[]): string {
  const shownErrors = errors.slice(0, 10);
  const more = errors.length > shownErrors.length ? `; and ${errors.length - shownErrors.length} more` : '';
  return `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${shownErrors.join('; ')}${more}`;
}

/** Parses and validates a catalogue document; every problem is reported, not only the first. */
export function parseCatalogue(text: string): ParsedCatalogue {
  if (text.length > MAX_CATALOGUE_LENGTH) {
    return { errors: [`Value at 'Catalog' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CATALOGUE_LENGTH}`] };
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { errors: [`Value at 'Catalog' failed to satisfy constraint: Member must be a JSON document (${e instanceof Error ? e.message : String(e)})`] };
  }
  const p = new Problems();
  const doc = p.object(json, 'Catalog');
  if (!doc) return { errors: p.list };
  p.fields(doc, '', ['Name', 'Description', 'Actions', 'Resources', 'ConditionKeys', 'Routes']);
  let name = p.string(doc.Name, 'Name', { pattern: SERVICE_NAME, patternText: SERVICE_NAME_PATTERN });
  if (name !== undefined && RESERVED_SERVICE_NAMES.includes(name)) {
    p.add('Name', name, `Member must not be a service prefix iamd serves itself (${RESERVED_SERVICE_NAMES.join(', ')})`);
    name = undefined; // the rest is checked as for a catalogue with no usable name, not against iam:…
  }
  const service = name ?? '';
  const description = p.string(doc.Description, 'Description', { max: LIMITS.description, required: false });

  // Condition keys first: actions and resources name them.
  const keys: CatalogueConditionKey[] = [];
  const keyNames = new Map<string, number>();
  for (const [i, raw] of p.array(doc.ConditionKeys, 'ConditionKeys', { max: LIMITS.conditionKeys }).entries()) {
    const path = `ConditionKeys[${i}]`;
    const k = p.object(raw, path);
    if (!k) continue;
    p.fields(k, path, ['Name', 'Type', 'Description']);
    const keyName = p.string(k.Name, `${path}.Name`, { max: 128 });
    const type = p.string(k.Type, `${path}.Type`);
    const desc = p.string(k.Description, `${path}.Description`, { max: LIMITS.description, required: false });
    if (type !== undefined && !CONDITION_KEY_TYPES.includes(type as ConditionKeyType)) {
      p.add(`${path}.Type`, type, `Member must satisfy enum value set: [${CONDITION_KEY_TYPES.join(', ')}]`);
    }
    if (keyName === undefined) continue;
    const colon = keyName.indexOf(':');
    const prefix = keyName.slice(0, colon).toLowerCase();
    if (colon < 0 || (prefix !== 'aws' && name !== undefined && prefix !== service) || !KEY_SUFFIX.test(keyName.slice(colon + 1))) {
      p.add(`${path}.Name`, keyName, `Member must be ${service || 'SERVICE'}:Key or aws:Key (letters, digits, _.:/- and \${Variable}s)`);
      continue;
    }
    const lower = keyName.toLowerCase();
    if (keyNames.has(lower)) {
      p.add(`${path}.Name`, keyName, `Member must be unique (ConditionKeys[${keyNames.get(lower)}] has it)`);
      continue;
    }
    keyNames.set(lower, i);
    if (type !== undefined && CONDITION_KEY_TYPES.includes(type as ConditionKeyType)) {
      keys.push({ Name: keyName, Type: type as ConditionKeyType, ...(desc !== undefined ? { Description: desc } : {}) });
    }
  }
  /** A key an action or resource names: declared here, or a global `aws:` key. */
  const keyList = (v: Json, path: string): string[] => {
    const out: string[] = [];
    for (const [j, rawKey] of p.array(v, path, { max: LIMITS.perAction }).entries()) {
      const key = p.string(rawKey, `${path}[${j}]`, { max: 128 });
      if (key === undefined) continue;
      if (!keyNames.has(key.toLowerCase()) && !/^aws:[A-Za-z0-9]/i.test(key)) {
        p.add(`${path}[${j}]`, key, 'Member must name a key of ConditionKeys or a global aws: key');
        continue;
      }
      out.push(key);
    }
    return out;
  };

  const resources: CatalogueResource[] = [];
  const resourceNames = new Map<string, number>();
  const resourceVariables = new Map<string, string[][]>();
  for (const [i, raw] of p.array(doc.Resources, 'Resources', { max: LIMITS.resources }).entries()) {
    const path = `Resources[${i}]`;
    const r = p.object(raw, path);
    if (!r) continue;
    p.fields(r, path, ['Name', 'ArnFormats', 'ConditionKeys']);
    const rname = p.string(r.Name, `${path}.Name`, { pattern: RESOURCE_NAME });
    const formats: string[] = [];
    const variables: string[][] = [];
    for (const [j, rawFormat] of p.array(r.ArnFormats, `${path}.ArnFormats`, { min: 1, max: LIMITS.arnFormats, required: true }).entries()) {
      const format = p.string(rawFormat, `${path}.ArnFormats[${j}]`, { max: LIMITS.arnFormat });
      if (format === undefined) continue;
      const vars = name === undefined ? [] : arnFormatVariables(format, service);
      if (typeof vars === 'string') p.add(`${path}.ArnFormats[${j}]`, format, vars);
      else {
        formats.push(format);
        variables.push(vars);
      }
    }
    const conditionKeys = keyList(r.ConditionKeys, `${path}.ConditionKeys`);
    if (rname === undefined) continue;
    const lower = rname.toLowerCase();
    if (resourceNames.has(lower)) {
      p.add(`${path}.Name`, rname, `Member must be unique (Resources[${resourceNames.get(lower)}] has it)`);
      continue;
    }
    resourceNames.set(lower, i);
    resourceVariables.set(lower, variables);
    resources.push({ Name: rname, ArnFormats: formats, ConditionKeys: conditionKeys });
  }

  const actions: CatalogueAction[] = [];
  const actionNames = new Map<string, number>();
  for (const [i, raw] of p.array(doc.Actions, 'Actions', { min: 1, max: LIMITS.actions, required: true }).entries()) {
    const path = `Actions[${i}]`;
    const a = p.object(raw, path);
    if (!a) continue;
    p.fields(a, path, ['Name', 'AccessLevel', 'Description', 'Resources', 'ConditionKeys', 'DependentActions']);
    const aname = p.string(a.Name, `${path}.Name`, { pattern: ACTION_NAME });
    const level = p.string(a.AccessLevel, `${path}.AccessLevel`);
    if (level !== undefined && !ACCESS_LEVELS.includes(level as AccessLevel)) {
      p.add(`${path}.AccessLevel`, level, `Member must satisfy enum value set: [${ACCESS_LEVELS.join(', ')}]`);
    }
    const desc = p.string(a.Description, `${path}.Description`, { max: LIMITS.description, required: false });
    const actionResources: CatalogueAction['Resources'] = [];
    for (const [j, rawRes] of p.array(a.Resources, `${path}.Resources`, { max: LIMITS.perAction }).entries()) {
      const rpath = `${path}.Resources[${j}]`;
      const ar = p.object(rawRes, rpath);
      if (!ar) continue;
      p.fields(ar, rpath, ['Name', 'Required']);
      const rname = p.string(ar.Name, `${rpath}.Name`);
      if (ar.Required !== undefined && typeof ar.Required !== 'boolean') p.add(`${rpath}.Required`, ar.Required, 'Member must be a boolean');
      if (rname === undefined) continue;
      const index = resourceNames.get(rname.toLowerCase());
      if (index === undefined) {
        p.add(`${rpath}.Name`, rname, 'Member must name a resource type of Resources');
        continue;
      }
      if (actionResources.some((x) => x.Name.toLowerCase() === rname.toLowerCase())) {
        p.add(`${rpath}.Name`, rname, 'Member must be unique within the action');
        continue;
      }
      const canonical = resources.find((x) => x.Name.toLowerCase() === rname.toLowerCase())!.Name;
      actionResources.push({ Name: canonical, ...(ar.Required === true ? { Required: true } : {}) });
    }
    const conditionKeys = keyList(a.ConditionKeys, `${path}.ConditionKeys`);
    const dependent: string[] = [];
    for (const [j, rawDep] of p.array(a.DependentActions, `${path}.DependentActions`, { max: LIMITS.perAction }).entries()) {
      const dep = p.string(rawDep, `${path}.DependentActions[${j}]`, { pattern: DEPENDENT_ACTION, patternText: 'service:Action' });
      if (dep !== undefined) dependent.push(dep);
    }
    // An action whose other members are wrong is still known by name: routes naming it are not wrong too.
    if (aname === undefined) continue;
    const lower = aname.toLowerCase();
    if (actionNames.has(lower)) {
      p.add(`${path}.Name`, aname, `Member must be unique, regardless of case (Actions[${actionNames.get(lower)}] has it)`);
      continue;
    }
    actionNames.set(lower, i);
    actions.push({
      Name: aname,
      AccessLevel: level as AccessLevel,
      ...(desc !== undefined ? { Description: desc } : {}),
      Resources: actionResources,
      ConditionKeys: conditionKeys,
      ...(a.DependentActions !== undefined ? { DependentActions: dependent } : {}),
    });
  }

  const routes: CatalogueRoute[] = [];
  const routeShapes = new Map<string, number>();
  for (const [i, raw] of p.array(doc.Routes, 'Routes', { max: LIMITS.routes }).entries()) {
    const path = `Routes[${i}]`;
    const r = p.object(raw, path);
    if (!r) continue;
    p.fields(r, path, ['Method', 'Path', 'Action', 'Resource']);
    const method = p.string(r.Method, `${path}.Method`);
    if (method !== undefined && !(ROUTE_METHODS as readonly string[]).includes(method)) {
      p.add(`${path}.Method`, method, `Member must satisfy enum value set: [${ROUTE_METHODS.join(', ')}]`);
    }
    const routePath = p.string(r.Path, `${path}.Path`, { max: LIMITS.path });
    const segments = routePath === undefined ? undefined : routeSegments(routePath);
    if (typeof segments === 'string') p.add(`${path}.Path`, routePath, segments);
    const actionName = p.string(r.Action, `${path}.Action`);
    const action = actionName === undefined ? undefined : actions.find((a) => a.Name.toLowerCase() === actionName.toLowerCase());
    if (actionName !== undefined && !action) p.add(`${path}.Action`, actionName, 'Member must name an action of Actions');
    const resourceName = p.string(r.Resource, `${path}.Resource`, { required: false });
    const resource = resourceName === undefined ? undefined : resources.find((x) => x.Name.toLowerCase() === resourceName.toLowerCase());
    if (resourceName !== undefined && !resource) p.add(`${path}.Resource`, resourceName, 'Member must name a resource type of Resources');
    if (action && resource && action.Resources.length > 0 && !action.Resources.some((x) => x.Name === resource.Name)) {
      p.add(
        `${path}.Resource`,
        resourceName,
        `Member must be a resource type of the action ${action.Name} (${action.Resources.map((x) => x.Name).join(', ')})`,
      );
    }
    if (action && resourceName === undefined) {
      const required = action.Resources.find((x) => x.Required);
      if (required) p.add(`${path}.Resource`, undefined, `Member must not be null: the action ${action.Name} requires the resource type ${required.Name}`);
    }
    if (resource && Array.isArray(segments) && resource.ArnFormats.length > 0) {
      const placeholders = new Set(segments.flatMap((s) => ('variable' in s ? [s.variable] : [])));
      const fillable = (resourceVariables.get(resource.Name.toLowerCase()) ?? []).some((vars) => vars.every((v) => placeholders.has(v)));
      if (!fillable) {
        p.add(
          `${path}.Path`,
          routePath,
          `Member must have a placeholder for every variable of an ArnFormat of ${resource.Name} (${resource.ArnFormats.join(' | ')})`,
        );
      }
    }
    if (method === undefined || !Array.isArray(segments) || !action || (resourceName !== undefined && !resource)) continue;
    if (!(ROUTE_METHODS as readonly string[]).includes(method)) continue;
    const shape = `${method} /${segments.map((s) => ('literal' in s ? `=${s.literal}` : s.greedy ? '{+}' : '{}')).join('/')}`;
    if (routeShapes.has(shape)) {
      p.add(`${path}.Path`, routePath, `Member must not match the same requests as Routes[${routeShapes.get(shape)}]`);
      continue;
    }
    routeShapes.set(shape, i);
    routes.push({ Method: method as RouteMethod, Path: routePath!, Action: action.Name, ...(resource ? { Resource: resource.Name } : {}) });
  }

  if (p.list.length > 0) return { errors: p.list };
  return {
    catalogue: {
      Name: service,
      ...(description !== undefined ? { Description: description } : {}),
      Actions: actions,
      Resources: resources,
      ConditionKeys: keys,
      Routes: routes,
    },
  };
}
