// WeChat Pay's flat XML: read as WeChat writes it, written back, and every construct outside that
// format refused, above all DOCTYPEs and entities (no external entity is ever resolved).
import { describe, expect, it } from 'vitest';
import { readWechatXml, WechatXmlError, writeWechatXml } from './wechat-xml.js';

function refusal(text: string): string {
  try {
    readWechatXml(text);
  } catch (error) {
    if (error instanceof WechatXmlError) return error.message;
    throw error;
  }
  return 'read';
}

describe('readWechatXml', () => {
  it('reads CDATA and plain values, a declaration, white space between elements and empty elements', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>
      <xml>
        <return_code><![CDATA[SUCCESS]]></return_code>
        <total_fee>1280</total_fee>
        <body><![CDATA[面馆 <1号> & 收银]]></body>
        <detail/>
        <attach>a &lt; b &amp; c &#x4e2d;&#25991;</attach>
      </xml>`;
    expect(readWechatXml(text)).toEqual({
      return_code: 'SUCCESS',
      total_fee: '1280',
      body: '面馆 <1号> & 收银',
      detail: '',
      attach: 'a < b & c 中文',
    });
  });

  it('refuses DOCTYPEs, entity declarations, unknown entities and processing instructions', () => {
    expect(
      refusal('<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>'),
    ).toContain('DOCTYPE');
    expect(refusal('<xml><a>&x;</a></xml>')).toContain('entity &x;');
    expect(refusal('<xml><a>&#0;</a></xml>')).toContain('no character');
    expect(refusal('<xml><a>AT&T</a></xml>')).toContain('"&"');
    expect(refusal('<xml><?php evil ?><a>1</a></xml>')).toContain('processing instruction');
    expect(refusal('<xml><!-- c --><a>1</a></xml>')).toContain('DOCTYPE, comment');
  });

  it('refuses another root, attributes, nesting, duplicates, and anything unclosed', () => {
    expect(refusal('<root><a>1</a></root>')).toContain('root element');
    expect(refusal('<xml id="1"><a>1</a></xml>')).toContain('root element');
    expect(refusal('<xml><a x="1">1</a></xml>')).toContain('element');
    expect(refusal('<xml><a><b>1</b></a></xml>')).toContain('holds an element');
    expect(refusal('<xml><a>1</a><a>2</a></xml>')).toContain('comes twice');
    expect(refusal('<xml><a>1</xml>')).toContain('never closes');
    expect(refusal('<xml><a><![CDATA[1</a></xml>')).toContain('never closes');
    expect(refusal('<xml>text<a>1</a></xml>')).toContain('where an element should start');
    expect(
      refusal(
        `<xml>${'<a1>1</a1>'.repeat(1)}${Array.from({ length: 201 }, (_, i) => `<f${i}>1</f${i}>`).join('')}</xml>`,
      ),
    ).toContain('more than 200');
  });

  it('a value holding "]]>" and "<" survives writing and reading back', () => {
    const fields = { return_code: 'SUCCESS', odd: 'a]]>b<c>&d', empty: '' };
    expect(readWechatXml(writeWechatXml(fields))).toEqual(fields);
  });
});
