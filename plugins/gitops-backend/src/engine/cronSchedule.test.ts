import { parseCronSchedule } from './cronSchedule';

const at = (iso: string) => new Date(iso);

describe('parseCronSchedule', () => {
  it('matches minutes and hours, with lists, ranges and steps', () => {
    const nightly = parseCronSchedule('0 22 * * *');
    expect(nightly.matches(at('2026-12-01T22:00:00Z'))).toBe(true);
    expect(nightly.matches(at('2026-12-01T22:00:59Z'))).toBe(true);
    expect(nightly.matches(at('2026-12-01T22:01:00Z'))).toBe(false);
    expect(nightly.matches(at('2026-12-01T21:00:00Z'))).toBe(false);

    const quarters = parseCronSchedule('*/15 9-17 * * *');
    expect(quarters.matches(at('2026-12-01T09:45:00Z'))).toBe(true);
    expect(quarters.matches(at('2026-12-01T09:50:00Z'))).toBe(false);
    expect(quarters.matches(at('2026-12-01T18:00:00Z'))).toBe(false);

    const listed = parseCronSchedule('5,35 1,13 * * *');
    expect(listed.matches(at('2026-12-01T13:35:00Z'))).toBe(true);
    expect(listed.matches(at('2026-12-01T13:36:00Z'))).toBe(false);

    const fromFive = parseCronSchedule('5/20 * * * *');
    expect(
      [5, 25, 45, 15].map(m =>
        fromFive.matches(new Date(Date.UTC(2026, 0, 1, 0, m))),
      ),
    ).toEqual([true, true, true, false]);
  });

  it('reads weekday and month names, and 7 as Sunday', () => {
    const weekdays = parseCronSchedule('0 9 * * MON-FRI');
    // 2026-12-04 is a Friday, 2026-12-05 a Saturday.
    expect(weekdays.matches(at('2026-12-04T09:00:00Z'))).toBe(true);
    expect(weekdays.matches(at('2026-12-05T09:00:00Z'))).toBe(false);
    const sunday = parseCronSchedule('0 0 * * 7');
    expect(sunday.matches(at('2026-12-06T00:00:00Z'))).toBe(true);
    const december = parseCronSchedule('0 0 24 dec *');
    expect(december.matches(at('2026-12-24T00:00:00Z'))).toBe(true);
    expect(december.matches(at('2026-11-24T00:00:00Z'))).toBe(false);
  });

  it('matches either day field when both are restricted, both when one is *', () => {
    const either = parseCronSchedule('0 0 1 * MON');
    // 2026-12-01 is a Tuesday (the 1st); 2026-12-07 a Monday.
    expect(either.matches(at('2026-12-01T00:00:00Z'))).toBe(true);
    expect(either.matches(at('2026-12-07T00:00:00Z'))).toBe(true);
    expect(either.matches(at('2026-12-08T00:00:00Z'))).toBe(false);
    const onlyMondays = parseCronSchedule('0 0 * * MON');
    expect(onlyMondays.matches(at('2026-12-01T00:00:00Z'))).toBe(false);
  });

  it('knows the shorthands', () => {
    expect(
      parseCronSchedule('@daily').matches(at('2026-12-01T00:00:00Z')),
    ).toBe(true);
    expect(
      parseCronSchedule('@hourly').matches(at('2026-12-01T05:00:00Z')),
    ).toBe(true);
    expect(
      parseCronSchedule('@weekly').matches(at('2026-12-01T00:00:00Z')),
    ).toBe(false);
  });

  it('finds the next and the previous minute it fires', () => {
    const weekdays = parseCronSchedule('30 9 * * 1-5');
    const saturday = at('2026-12-05T12:00:00Z');
    expect(
      weekdays.next(saturday, at('2027-01-01T00:00:00Z'))?.toISOString(),
    ).toBe('2026-12-07T09:30:00.000Z');
    expect(
      weekdays.previous(saturday, at('2026-11-01T00:00:00Z'))?.toISOString(),
    ).toBe('2026-12-04T09:30:00.000Z');
    expect(weekdays.next(saturday, at('2026-12-07T09:30:00Z'))).toBeUndefined();
    expect(
      weekdays.previous(saturday, at('2026-12-04T09:31:00Z')),
    ).toBeUndefined();
    // Inside a matching minute, that minute is both the next and the previous.
    const inside = at('2026-12-04T09:30:20Z');
    expect(weekdays.previous(inside, saturday)).toBeUndefined();
    expect(
      weekdays.previous(inside, at('2026-12-04T00:00:00Z'))?.toISOString(),
    ).toBe('2026-12-04T09:30:00.000Z');
    expect(
      weekdays.next(at('2026-12-04T09:30:00Z'), saturday)?.toISOString(),
    ).toBe('2026-12-04T09:30:00.000Z');
    // A leap day, years ahead.
    expect(
      parseCronSchedule('0 0 29 2 *')
        .next(saturday, at('2030-01-01T00:00:00Z'))
        ?.toISOString(),
    ).toBe('2028-02-29T00:00:00.000Z');
  });

  it.each([
    ['0 22 * *', /has 4 fields; a schedule has 5/],
    ['0 25 * * *', /hour 25 is out of range 0-23/],
    ['61 * * * *', /minute 61 is out of range 0-59/],
    ['0 0 0 * *', /day of month 0 is out of range 1-31/],
    ['0 0 * 13 *', /month 13 is out of range 1-12/],
    ['0 0 * * 8', /day of week 8 is out of range 0-7/],
    ['0 0 * * FUN', /day of week 'FUN' is not a number or a name like SUN/],
    ['*/0 * * * *', /minute step must be at least 1/],
    ['0 17-9 * * *', /hour range 17-9 runs backwards/],
    ['0 1-2-3 * * *', /hour '1-2-3' is not a range/],
    ['0 9,,17 * * *', /hour '' is not a value/],
  ])('refuses %p', (expression, message) => {
    expect(() => parseCronSchedule(expression)).toThrow(message);
  });
});
