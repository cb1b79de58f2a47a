import { describe, expect, it } from 'vitest';
import { gridPoints, gridSize, gridValues, parseParamArg, parseParamArgs, ParamSpaceError, randomPoints, validateSpace } from './space.js';

describe('parameter space', () => {
  it('parses ranges, choices and continuous ranges', () => {
    expect(parseParamArg('fast=5:20:5')).toEqual({ name: 'fast', spec: { from: 5, to: 20, step: 5 } });
    expect(parseParamArg('mult=1.5:2.5')).toEqual({ name: 'mult', spec: { from: 1.5, to: 2.5 } });
    expect(parseParamArg('mode=a,b,3')).toEqual({ name: 'mode', spec: { values: ['a', 'b', 3] } });
    expect(parseParamArg('sma.fast=1:3:1').name).toBe('sma.fast');
  });

  it('rejects bad arguments with the argument named', () => {
    const bad: [string, RegExp][] = [
      ['fast', /--param "fast": expected name=from:to:step/],
      ['=1:2:1', /expected name=/],
      ['fast=x:20:5', /from "x" is not a number/],
      ['fast=20:5:5', /from \(20\) is after to \(5\)/],
      ['fast=5:20:0', /step must be > 0/],
      ['fast=5:20:-1', /step must be > 0/],
      ['fast=1:2:3:4', /expected from:to:step/],
      ['fast=a,,b', /an empty choice/],
      ['9x=1:2:1', /is not a parameter name/],
    ];
    for (const [arg, re] of bad) expect(() => parseParamArg(arg), arg).toThrow(re);
    expect(() => parseParamArgs(['a=1:2:1', 'a=3:4:1'])).toThrow(/parameter a given twice/);
    expect(() => parseParamArgs([])).toThrow(ParamSpaceError);
    expect(() => validateSpace([{ name: 'x', spec: { values: [1, 1] } }])).toThrow(/a value is repeated/);
    expect(() => validateSpace([{ name: 'x', spec: { from: 1, to: 2, step: 1, extra: 1 } }])).toThrow(/invalid parameter space/);
  });

  it('grid values snap decimal steps to clean numbers and include the end', () => {
    expect(gridValues('m', { from: 0.1, to: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(gridValues('m', { from: 5, to: 21, step: 5 })).toEqual([5, 10, 15, 20]);
    expect(() => gridValues('m', { from: 1, to: 2 })).toThrow(/a grid needs a step/);
  });

  it('the grid is the cartesian product, first parameter slowest, indexed in order', () => {
    const space = parseParamArgs(['fast=5:15:5', 'slow=30,60']);
    const pts = gridPoints(space);
    expect(gridSize(space)).toBe(6);
    expect(pts.map((p) => [p.index, p.params.fast, p.params.slow])).toEqual([
      [0, 5, 30],
      [1, 5, 60],
      [2, 10, 30],
      [3, 10, 60],
      [4, 15, 30],
      [5, 15, 60],
    ]);
    expect(() => gridPoints(parseParamArgs(['a=1:1000:1', 'b=1:1000:1']))).toThrow(/at most 100000/);
  });

  it('random search: the same seed gives the same points, distinct on a discrete space, within bounds', () => {
    const space = parseParamArgs(['fast=1:20:1', 'slow=20:100:10', 'mult=0.5:2.5']);
    const a = randomPoints(space, 25, 42);
    expect(randomPoints(space, 25, 42)).toEqual(a);
    expect(randomPoints(space, 25, 43)).not.toEqual(a);
    for (const p of a) {
      expect(Number.isInteger(p.params.fast) && (p.params.fast as number) >= 1 && (p.params.fast as number) <= 20).toBe(true);
      expect((p.params.mult as number) >= 0.5 && (p.params.mult as number) <= 2.5).toBe(true);
    }
    const discrete = parseParamArgs(['a=1:3:1', 'b=x,y']);
    const all = randomPoints(discrete, 50, 1);
    expect(all).toHaveLength(6); // capped at the grid's size, no repeats
    expect(new Set(all.map((p) => JSON.stringify(p.params))).size).toBe(6);
    expect(all.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => randomPoints(space, 0, 1)).toThrow(/--random/);
  });
});
