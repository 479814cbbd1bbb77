// Strict XML for SAML: one parser (@xmldom/xmldom) for everything iamd reads from a metadata
// document or a SAML response, with every parser complaint fatal and no DOCTYPE (no entities, no
// external anything), and DOM helpers that read an element's text the way exclusive
// canonicalization sees it, so that what a signature covers is what iamd reads.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  ec: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  xmlns: 'http://www.w3.org/2000/xmlns/',
} as const;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PROCESSING_INSTRUCTION = 7;
const COMMENT = 8;

/** Why an XML document was refused (the callers turn it into AWS's error for their operation). */
export class XmlRefused extends Error {}

/**
 * Parses `text` as XML. Refuses a DOCTYPE (and so any entity declaration), any parser warning or
 * error, and a document without a root element.
 */
export function parseXml(text: string, xmlns?: Record<string, string>): Document {
  // Cheap and decisive: no DTD may appear anywhere, whatever the parser would make of it.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlRefused('a DOCTYPE is not allowed');
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: false,
      xmlns,
      onError: (level, message) => {
        throw new XmlRefused(`${level}: ${message}`);
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw err instanceof XmlRefused ? err : new XmlRefused(err instanceof Error ? err.message : 'not XML');
  }
  if (doc.doctype) throw new XmlRefused('a DOCTYPE is not allowed');
  if (!doc.documentElement) throw new XmlRefused('no root element');
  return doc;
}

export function isElement(node: Node | null | undefined): node is Element {
  return node?.nodeType === ELEMENT;
}

/** The element children of `el`, in document order. */
export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

/** `el`'s element children named `local` in namespace `ns`. */
export function children(el: Element, ns: string, local: string): Element[] {
  return childElements(el).filter((c) => is(c, ns, local));
}

/** The one child named `local` in `ns`, undefined when there is none; refused when there are several. */
export function optionalChild(el: Element, ns: string, local: string): Element | undefined {
  const found = children(el, ns, local);
  if (found.length > 1) throw new XmlRefused(`more than one ${local} in ${el.localName}`);
  return found[0];
}

/** The one child named `local` in `ns`: refused when there is none or several. */
export function onlyChild(el: Element, ns: string, local: string): Element {
  const found = optionalChild(el, ns, local);
  if (!found) throw new XmlRefused(`no ${local} in ${el.localName}`);
  return found;
}

export function is(el: Element, ns: string, local: string): boolean {
  return el.namespaceURI === ns && el.localName === local;
}

/** Every element under `root` (itself included), in document order. */
export function* descendants(root: Node): Generator<Element> {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isElement(node)) yield node;
    const kids: Node[] = [];
    for (let n = node.firstChild; n; n = n.nextSibling) kids.push(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/**
 * Refuses comments and processing instructions anywhere under `root`: canonicalization drops
 * comments, so `admin<!---->@evil` would be signed as one value and could be read as another.
 */
export function refuseCommentsAndInstructions(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let n = node.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === COMMENT) throw new XmlRefused('comments are not allowed');
      if (n.nodeType === PROCESSING_INSTRUCTION) throw new XmlRefused('processing instructions are not allowed');
      if (isElement(n)) stack.push(n);
    }
  }
}

/** The text of an element that holds only text (and CDATA sections), all of it: refused when it has child elements. */
export function textOf(el: Element): string {
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT || n.nodeType === CDATA) text += n.nodeValue ?? '';
    else if (isElement(n)) throw new XmlRefused(`${el.localName} holds elements where text is expected`);
    else throw new XmlRefused(`${el.localName} holds something other than text`);
  }
  return text;
}

/** The text of an element that may hold only text, or undefined when it holds elements. */
export function plainTextOf(el: Element): string | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType !== TEXT && n.nodeType !== CDATA) return undefined;
  return textOf(el);
}

/** An attribute's value, or undefined when the element does not have it. */
export function attribute(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
}

/** xs:dateTime as SAML requires it (UTC, `Z`), with optional fractions of a second. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

/** An xs:dateTime attribute in UTC, or undefined when absent; refused when malformed. */
export function timeAttribute(el: Element, name: string): Date | undefined {
  const raw = attribute(el, name);
  if (raw === undefined) return undefined;
  const m = DATE_TIME.exec(raw);
  const time = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${(m[7] ?? '').slice(0, 4)}Z`) : Number.NaN;
  if (Number.isNaN(time)) throw new XmlRefused(`${el.localName}@${name} is not a UTC dateTime`);
  return new Date(time);
}

/** The namespace declarations in scope at `el` from its ancestors (innermost first wins), for exclusive c14n's PrefixList. */
export function ancestorNamespaces(el: Element): { prefix: string; namespaceURI: string }[] {
  const seen = new Set<string>();
  const out: { prefix: string; namespaceURI: string }[] = [];
  for (let p = el.parentNode; isElement(p); p = p.parentNode) {
    const attrs = p.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i);
      const prefix = a?.prefix === 'xmlns' ? a.localName : null;
      if (!a || prefix === null || seen.has(prefix)) continue;
      seen.add(prefix);
      if (a.value !== '') out.push({ prefix, namespaceURI: a.value });
    }
  }
  return out;
}

/**
 * The namespace bindings in scope at `el` (its own declarations and its ancestors', innermost
 * first), as DOMParser's `xmlns` option takes them ('' for the default namespace): what content
 * decrypted in place of `el` is read with.
 */
export function inScopeNamespaces(el: Element): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (let p: Node | null = el; isElement(p); p = p.parentNode) {
    const attrs = p.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i);
      if (!a) continue;
      const prefix = a.prefix === 'xmlns' ? a.localName : a.name === 'xmlns' ? '' : null;
      if (prefix !== null && !Object.hasOwn(out, prefix)) out[prefix] = a.value;
    }
  }
  return out;
}

/** How many elements of the document carry an ID-like attribute (ID, Id, id, in any namespace) with this value. */
export function elementsWithId(doc: Document, id: string): number {
  let n = 0;
  for (const el of descendants(doc)) {
    const attrs = el.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i);
      if (a && (a.localName === 'ID' || a.localName === 'Id' || a.localName === 'id') && a.value === id) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Strict base64 (whitespace between characters allowed, as XML-DSig and IdPs' forms write it), or undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
