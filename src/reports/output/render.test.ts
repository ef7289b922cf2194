import { describe, expect, it } from 'vitest';
import { formatUsd, renderReport } from './render.js';
import type { Report } from './report.js';

const report: Report = {
  summary: { source: 'mlflow', traces: 2 },
  sections: [
    {
      title: 'Cost by model',
      columns: [
        { key: 'model', header: 'model', kind: 'text' },
        { key: 'calls', header: 'calls', kind: 'int' },
        { key: 'cost_usd', header: 'cost', kind: 'usd' },
      ],
      rows: [
        { model: 'gpt-4o, "mini"', calls: 1200, cost_usd: 0.000123456 },
        { model: 'claude', calls: 3, cost_usd: 12.5 },
      ],
      total: { model: 'total', calls: 1203, cost_usd: 12.500123456 },
    },
  ],
};

describe('renderReport', () => {
  it('aligns the table: text left, numbers right, a rule above the total', () => {
    expect(renderReport(report, 'table')).toBe(
      [
        'source: mlflow',
        'traces: 2',
        '',
        'Cost by model',
        'model           calls       cost',
        '--------------  -----  ---------',
        'gpt-4o, "mini"  1,200  $0.000123',
        'claude              3     $12.50',
        '--------------  -----  ---------',
        'total           1,203     $12.50',
      ].join('\n'),
    );
  });

  it('gives scripts raw numbers: CSV quoted where needed, JSON by section', () => {
    expect(renderReport(report, 'csv')).toBe('model,calls,cost_usd\n"gpt-4o, ""mini""",1200,0.000123456\nclaude,3,12.5\ntotal,1203,12.500123456');
    expect(JSON.parse(renderReport(report, 'json'))).toEqual({
      source: 'mlflow',
      traces: 2,
      cost_by_model: { rows: report.sections[0]!.rows, total: report.sections[0]!.total },
    });
  });

  it('shows fractions of a cent', () => {
    expect([formatUsd(0), formatUsd(0.0421), formatUsd(-0.0000125), formatUsd(3)]).toEqual(['$0.00', '$0.0421', '-$0.000013', '$3.00']);
  });
});
