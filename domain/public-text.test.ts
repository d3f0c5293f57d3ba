import { describe, expect, it } from 'vitest';
import { maskPersonName, publicText } from './public-schemas.js';

describe('free text made fit for the public', () => {
  it('masks a mobile, an ID and a landline number, all but their ends', () => {
    expect(publicText('联系人电话 13812345678，身份证 500229198001011234，座机 023-87654321')).toBe(
      '联系人电话 138******78，身份证 500*************34，座机 023*******21',
    );
  });

  it('masks a number however it is written: in full width, or grouped by spaces or hyphens', () => {
    expect(publicText('电话１３８１２３４５６７８')).toBe('电话１３８******７８');
    expect(publicText('电话 138 1234 5678；138-1234-5678')).toBe('电话 138********78；138********78');
    expect(publicText('电话 138　1234　5678')).toBe('电话 138********78');
    expect(publicText('身份证 500229 19800101 123X')).toBe('身份证 500***************3X');
    expect(publicText('身份证５００２２９１９８００１０１１２３４')).toBe('身份证５００*************３４');
  });

  it('leaves figures that are not a person’s number as they are', () => {
    const plain =
      '项目 CK2026-028，批复 1,234,567.00 元，2026-03-01 至 2026-03-10，编号 12345678901234567890';
    expect(publicText(plain)).toBe(plain);
  });

  it('masks a person’s name, not an organisation’s', () => {
    expect([maskPersonName('王小明'), maskPersonName('罗江村村民委员会')]).toEqual([
      '王*明',
      '罗江村村民委员会',
    ]);
  });
});
