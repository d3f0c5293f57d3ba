import { describe, expect, it } from 'vitest';
import { bulletinQuery, bulletinTokens, bulletinVector } from './bulletin-search.js';

describe('bulletin search tokens', () => {
  it('cuts Chinese into overlapping pairs and the last character, keeps Latin words and digits whole', () => {
    expect(bulletinTokens('扶贫资金ABC管理 水')).toEqual([
      '扶贫',
      '贫资',
      '资金',
      '金',
      'abc',
      '管理',
      '理',
      '水',
    ]);
    expect(bulletinTokens('渝财农〔2024〕12号')).toEqual(['渝财', '财农', '农', '2024', '12', '号']);
    // What an input method in full-width mode types is the same word.
    expect(bulletinTokens('渝财农〔２０２４〕１２号 ＡＢＣ')).toEqual([
      '渝财',
      '财农',
      '农',
      '2024',
      '12',
      '号',
      'abc',
    ]);
  });

  it('asks a term as a phrase whose last token may continue, and ANDs terms', () => {
    expect(bulletinQuery('资金')).toBe('资金');
    expect(bulletinQuery('补助资金')).toBe('(补助 <-> 助资 <-> 资金)');
    expect(bulletinQuery('渝财农〔2024〕12号')).toBe('(渝财 <-> 财农 <-> 农 <-> 2024 <-> 12 <-> 号:*)');
    expect(bulletinQuery('水 资金')).toBe('水:* & 资金');
    expect(bulletinQuery('〔２０２４〕１２号')).toBe('(2024 <-> 12 <-> 号:*)');
    expect(bulletinQuery('〔〕 ！')).toBeNull();
    // No operator of the caller's survives: only tokens reach the tsquery.
    expect(bulletinQuery("资金') | !(x")).toBe('资金 & x:*');
  });

  it('writes positions running on from field to field, with weights', () => {
    expect(
      bulletinVector([
        { text: '扶贫', weight: 'A' },
        { text: '扶贫资金', weight: 'C' },
      ]),
    ).toBe("'扶贫':1A,3C '贫':2A '贫资':4C '资金':5C '金':6C");
  });
});
