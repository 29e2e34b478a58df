// WeChat Pay v2's XML, and nothing more: one `<xml>` root holding flat elements, each text or
// CDATA (`<return_code><![CDATA[SUCCESS]]></return_code>`). The reader is strict by design: a
// DOCTYPE, an entity declaration, any entity but the five XML predefines and character
// references, an attribute, a nested element, a name given twice: each is refused, so there is no
// external entity to resolve (XXE) and no expansion to blow up, and a body has one reading only.
// Written by hand (docs/decisions.md, "WeChat Pay's XML"): the whole grammar fits in this file.

export type XmlFields = Readonly<Record<string, string>>;

export class WechatXmlError extends Error {
  override readonly name = 'WechatXmlError';
}

/** The largest body read, and the most elements: WeChat's messages hold about 30. */
export const maxXmlBytes = 64 * 1024;
const maxElements = 200;

const namePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const predefined: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeText(text: string): string {
  if (text.includes('<')) throw new WechatXmlError('a "<" inside a value');
  return text.replace(/&([^;]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new WechatXmlError('an "&" that starts no entity');
    const known = predefined[name];
    if (known !== undefined) return known;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (numeric === null)
      throw new WechatXmlError(`the entity &${name}; (only the five predefined are read)`);
    const point = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    if (point === 0 || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
      throw new WechatXmlError('a character reference to no character');
    }
    return String.fromCodePoint(point);
  });
}

/** One element's content: text and CDATA sections, concatenated. */
function readContent(content: string): string {
  let value = '';
  let rest = content;
  while (rest.length > 0) {
    const cdata = rest.indexOf('<![CDATA[');
    if (cdata < 0) {
      value += unescapeText(rest);
      break;
    }
    value += unescapeText(rest.slice(0, cdata));
    const end = rest.indexOf(']]>', cdata + 9);
    if (end < 0) throw new WechatXmlError('a CDATA section never closes');
    value += rest.slice(cdata + 9, end);
    rest = rest.slice(end + 3);
  }
  return value;
}

/**
 * Reads WeChat Pay's `<xml>...</xml>` into its fields; throws WechatXmlError naming what is not
 * that format.
 */
export function readWechatXml(text: string): XmlFields {
  if (text.length > maxXmlBytes) throw new WechatXmlError(`the body is over ${maxXmlBytes} characters`);
  let rest = text.replace(/^\uFEFF/, '').trim();
  // An XML declaration is the only processing instruction allowed, and only first.
  const declaration = /^<\?xml\s[^?<>]*\?>/.exec(rest);
  if (declaration !== null) rest = rest.slice(declaration[0].length).trim();
  if (rest.lastIndexOf('<![CDATA[') > rest.lastIndexOf(']]>'))
    throw new WechatXmlError('a CDATA section never closes');
  if (rest.includes('<!') && rest.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').includes('<!')) {
    throw new WechatXmlError('a DOCTYPE, comment or declaration (refused: no entities are read)');
  }
  if (rest.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').includes('<?')) {
    throw new WechatXmlError('a processing instruction');
  }
  if (!rest.startsWith('<xml>') || !rest.endsWith('</xml>')) {
    throw new WechatXmlError('the root element is not <xml> (without attributes)');
  }
  let body = rest.slice(5, -6);
  const fields: Record<string, string> = {};
  let count = 0;
  for (;;) {
    body = body.replace(/^\s+/, '');
    if (body === '') return fields;
    const open = /^<([^\s<>/]+)(\/?)>/.exec(body);
    if (open === null)
      throw new WechatXmlError('text, an attribute or a closing tag where an element should start');
    const name = open[1] ?? '';
    if (!namePattern.test(name)) throw new WechatXmlError(`an element name that is not a plain name`);
    if (Object.hasOwn(fields, name)) throw new WechatXmlError(`the element <${name}> comes twice`);
    count += 1;
    if (count > maxElements) throw new WechatXmlError(`more than ${maxElements} elements`);
    if (open[2] === '/') {
      fields[name] = '';
      body = body.slice(open[0].length);
      continue;
    }
    const contentStart = open[0].length;
    const close = findClose(body, contentStart, name);
    const content = body.slice(contentStart, close);
    const withoutCdata = content.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
    if (withoutCdata.includes('<'))
      throw new WechatXmlError(`<${name}> holds an element (only flat fields are read)`);
    fields[name] = readContent(content);
    body = body.slice(close + name.length + 3);
  }
}

/** Where `</name>` starts, skipping CDATA sections (which may hold anything but `]]>`). */
function findClose(body: string, from: number, name: string): number {
  let at = from;
  for (;;) {
    const cdata = body.indexOf('<![CDATA[', at);
    const close = body.indexOf(`</${name}>`, at);
    if (close < 0) throw new WechatXmlError(`<${name}> never closes`);
    if (cdata < 0 || cdata > close) return close;
    const end = body.indexOf(']]>', cdata + 9);
    if (end < 0) throw new WechatXmlError('a CDATA section never closes');
    at = end + 3;
  }
}

/** Writes fields as WeChat does: each value in CDATA (a `]]>` inside is split across two sections). */
export function writeWechatXml(fields: XmlFields): string {
  const parts = Object.entries(fields).map(([name, value]) => {
    if (!namePattern.test(name))
      throw new WechatXmlError(`cannot write the element name ${JSON.stringify(name)}`);
    return `<${name}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
  });
  return `<xml>${parts.join('')}</xml>`;
}
