// The IAM and STS service models (vendored from botocore by scripts/vendor-models.py): the exact
// request and response shapes that AWS's SDKs use. The Query transport decodes, validates and
// encodes with them, so names, nesting and constraints match AWS without hand-written tables.
import { readFileSync } from 'node:fs';

export interface ShapeRef {
  shape: string;
  locationName?: string;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob' | 'double' | 'float';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
}

export interface Operation {
  name: string;
  input?: ShapeRef;
  output?: ShapeRef & { resultWrapper?: string };
}

export interface ServiceModel {
  metadata: { apiVersion: string; endpointPrefix: string; xmlNamespace: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

function load(name: string): ServiceModel {
  return JSON.parse(readFileSync(new URL(`../../../models/${name}.json`, import.meta.url), 'utf8')) as ServiceModel;
}

export const iamModel = load('iam');
export const stsModel = load('sts');
/** iamd's own operations (the workload API), described in the same format. */
export const iamdModel = load('iamd');
/** CloudTrail's LookupEvents alone (vendored): the audit trail's query API (src/cloudtrail). */
export const cloudtrailModel = load('cloudtrail');

/** A shape the model names; a name it does not define is a broken model (a bug), never user input. */
export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`${model.metadata.endpointPrefix} model: no shape ${name}`);
  return shape;
}

const compiledPatterns = new Map<string, RegExp>();

/** A model pattern (Java regex, whole value) as a JS RegExp anchored at both ends. */
export function patternRegExp(pattern: string): RegExp {
  let re = compiledPatterns.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = new RegExp(`^(?:${pattern})$`);
    }
    compiledPatterns.set(pattern, re);
  }
  return re;
}
