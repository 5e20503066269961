import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../src-main/core/sequences/tokenize.ts';

describe('tokenize', () => {
  it('splits on separators and lower-cases', () => {
    expect(tokenize('AX T1 POST GD FLAIR')).toEqual(['ax', 't1', 'post', 'gd', 'flair']);
    expect(tokenize('T2W_TSE-COR')).toEqual(['t2', 'tse', 'cor']);
  });

  it('splits camelCase and folds aliases (T1W → t1)', () => {
    expect(tokenize('sT1W_FS 3D_ISO_COR')).toEqual(['s', 't1', 'fs', '3d', 'iso', 'cor']);
    expect(tokenize('AAHead_Scout')).toEqual(['aa', 'head', 'scout']);
  });

  it('splits a short letter prefix glued to a core word (Philips "VT1W")', () => {
    expect(tokenize('VT1W_3D_FFE_ TRA')).toEqual(['v', 't1', '3d', 'ffe', 'tra']);
  });

  it('rewrites "+C", "C+", "T2*" and "w/o" into words', () => {
    expect(tokenize('T1+C')).toEqual(['t1', 'pluscontrast']);
    expect(tokenize('T1 C+ AX')).toEqual(['t1', 'pluscontrast', 'ax']);
    expect(tokenize('AX T2* GRE')).toEqual(['ax', 't2star', 'gre']);
    expect(tokenize('T1 w/o contrast')).toEqual(['t1', 'without', 'contrast']);
  });

  it('keeps BraTS suffixes whole', () => {
    expect(tokenize('BraTS-GLI-00001-000-t2f').at(-1)).toBe('t2f');
    expect(tokenize('Brats18_CBICA_ABM_1_t1ce').at(-1)).toBe('t1ce');
  });

  it('returns nothing for empty input', () => {
    expect(tokenize(undefined)).toEqual([]);
    expect(tokenize('  _-_ ')).toEqual([]);
  });
});
