// Package compensation holds a criteria version's machine-readable
// compensation rules: their form, their validation, their evaluation on
// damage reports, the estimate of who would be paid how much, and the
// description of how two versions' rules differ. It is pure: no database,
// no HTTP.
//
// # Rules
//
// A rule is conditions on a report's coded fields (reporter type, service,
// paid or free, damage type, evidence, claimed-amount range, outage-hours
// range) and a payout: a fixed amount, an amount per outage hour up to a
// cap, a share of the claimed amount up to a cap, or a non-cash gesture.
// Ranges read as the criteria are written in Korean: "over" (초과) is
// exclusive, "up to" (이하) inclusive, so "over 300,000 up to 500,000"
// means 300,000 < amount ≤ 500,000.
//
// Cash rules are tried in order and the first that matches wins. Gesture
// rules (a non-cash token for "every user") are counted separately: a
// reporter who receives cash can also receive the gesture, as in the
// criteria the real council published in December 2022.
//
// # One payment per reporter
//
// A reporter (the keyed hash of their business or phone number) may have
// filed several reports about the same outage. The estimate pays each
// reporter once: the highest payout any of their reports earns, under the
// rule that earned it; a gesture once. This avoids counting duplicate
// filings twice and is stated to the council beside every estimate.
//
// # Disclosure
//
// Estimates are published through the disclosure package with the same
// rules as the statistics (distinct reporters, small cells withheld,
// secondary suppression, sums rounded and only with the p% rule).
package compensation
