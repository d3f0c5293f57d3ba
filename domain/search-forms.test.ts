import { describe, expect, it } from 'vitest';
import { searchForms } from './search-forms.js';

describe('the forms a search term is looked for in', () => {
  it('adds the ASCII form of what a full-width input method types, and the Chinese marks of what a keyboard types', () => {
    expect(searchForms('ＣＫ２０２６－０２８')).toEqual(['ＣＫ２０２６－０２８', 'CK2026-028']);
    expect(searchForms('硬化(一期)')).toEqual(['硬化(一期)', '硬化（一期）']);
    expect(searchForms('硬化（一期）')).toEqual(['硬化（一期）', '硬化(一期)']);
    expect(searchForms('Ｎｏ．３，二组')).toEqual(['Ｎｏ．３，二组', 'No.3,二组', 'No.3，二组']);
  });

  it('looks for a term that has one form once', () => {
    expect(searchForms('罗江村')).toEqual(['罗江村']);
    expect(searchForms('CK2026-028')).toEqual(['CK2026-028']);
    expect(searchForms('1.5km/h')).toEqual(['1.5km/h']);
  });
});
