// Package disclosure decides what of the statistics tables computed from
// an import snapshot may be shown to council members (design §3), so that
// no published figure, alone or combined with the others, lets anyone
// work out a small group of reporters or one reporter's amount.
//
// The package is pure: no I/O, no database, no package-level mutable
// state. The caller computes, per cell, raw statistics over distinct
// reporters (Cell) for a catalogue of one-way and two-way tables
// (TableInput) and calls Publish once per snapshot with every table of
// that snapshot. The same call serves the impact estimates of §5 (counts
// and payout sums per rule, reporter type or service): they are tables
// of another Population.
//
// # The rules, in plain words
//
// Counts. A count of 1 to Threshold-1 reporters is withheld ("primary"
// suppression). Zero is published as 0: it reveals no one and readers may
// rely on it. Every other count is rounded to the nearest multiple of
// RoundingBase, halves upwards (12 → 10, 13 → 15; with base 10, 15 → 20).
// A base above the threshold is rejected, so a publishable count can never
// round to 0.
//
// Secondary suppression. A withheld count is worthless if it can be
// recomputed from its row or column total minus the other cells, or by a
// longer chain of such subtractions across rows, columns and tables. So
// further counts are withheld ("secondary") until no reader can do that;
// see "The guarantee" for exactly what is promised. As a consequence every
// row, column and line of totals holding a withheld count holds at least
// two, as design §3 asks. Zeros are never withheld (they would protect
// nothing); when the only partners left in a row are zeros or too small,
// the row's total is withheld instead ("escalating to the margin").
//
// Amounts. The sum of claimed amounts (per reporter first, by the caller)
// and the amount band holding the median are published only for a count
// that is itself published, is at least Threshold and passes the p%
// dominance rule: a sum is withheld when the reporters other than the two
// largest add up to less than p% of the largest, because the second
// largest could then estimate the largest to within p%. Published sums are
// rounded to three significant figures, halves upwards (1,234,567 →
// 1,230,000; 999,500 → 1,000,000). Medians appear only as the key of the
// AmountBand containing them (none if no band does); minima, maxima or
// single amounts never appear. Sums add up just like counts, so withheld
// sums get their own secondary suppression: a further sum is withheld (its
// count stays) until every sum withheld for its own sake cannot be bounded
// by a reader to within p% of its value. A count withheld for any reason
// takes its sum and band with it.
//
// Percentages are not published by this package; Percent computes them
// from published figures and returns nil whenever one of them is withheld.
//
// # The guarantee
//
// The reader assumed is strong: they see every table of the snapshot,
// know these rules, know that counts add up exactly (in the real data a
// reporter may sit in two cells, which only helps them less), know every
// published count to within its rounding and that it is at least
// Threshold, know that published zeros are exact and that every withheld
// count is at least 1 (since zeros are never withheld), and can solve any
// linear program over all that. Then:
//
//   - for every primary-suppressed count x, some assignment of values to
//     the withheld figures that agrees with everything published gives
//     that cell at least Threshold. The reader can neither pin the cell to
//     one value nor prove that it holds fewer than Threshold reporters;
//   - for every sum withheld for its own sake (fewer than Threshold
//     reporters, or dominated) of value s, some such assignment of the
//     withheld sums gives it at least s + ⌈p% of s⌉ (p taken at its exact
//     binary value). The largest claim in it cannot be estimated to within
//     p% by anyone, including the second largest claimant.
//
// Both hold even if the reader knew every published figure exactly, i.e.
// with rounding base 1. The adversary test attacks random snapshots (17×9
// tables full of small cells, sets of tables sharing totals, one-way
// tables equal to those totals, a population below the threshold) with a
// simplex solver under exactly these assumptions, and shows that without
// secondary suppression the same attack recovers counts and sums.
//
// # How it is achieved: certificates
//
// For each withheld figure needing protection, Publish constructs a
// certificate: a change of withheld figures only, by +h on the protected
// figure (h = Threshold - x for counts, ⌈p% of s⌉ for sums), that keeps
// every additivity line of every table in balance and every withheld
// figure at or above what the reader knows it must be. The changed table
// is one the reader cannot rule out, which is the guarantee. Certificates
// are tried from the cheapest kind to the dearest:
//
//  1. a rectangle inside the cell's own table: the cell and the opposite
//     corner rise, the two cells sharing its row and column fall; no total
//     changes, so no other table is touched;
//  2. a trade between two values a, b of one dimension: the totals of a and
//     b move by +h and -h and every two-way table containing that dimension
//     moves h from a cell of b to a cell of a in one column. This is how
//     small totals are protected, and how a cell with no usable partner in
//     its row escalates to the row total;
//  3. as a last resort, h pretended extra reporters sharing one combination
//     of values: every figure that combination falls into rises, the grand
//     total included. It is needed when everything nearby is too small,
//     e.g. a population below the threshold.
//
// The figures a certificate moves are withheld. Among candidates the one
// whose newly withheld figures hold the fewest reporters (the smallest
// sums, for amounts; plus one per figure) wins, so small figures go first;
// ties are broken by fewer newly withheld figures and then by catalogue
// order, so the result is deterministic. Every certificate is then re-checked from
// scratch against every line; a failure is an error, never a leak.
// Certificates only ever add suppressions, and adding one never helps a
// reader, so a certificate stays valid however many are built after it.
//
// # Tables sharing totals
//
// A figure is identified by its population and the dimension values it
// counts (service=kakao_pay; service=kakao_pay × paid=free; the grand
// total), not by the table that prints it. The one-way service table and
// the service totals of service×paid and service×region are therefore one
// figure each, decided once, and printed identically everywhere; Publish
// rejects tables that disagree on such a figure. Because certificates
// balance every table of the population at once, no fixpoint iteration
// over tables is needed: there is nothing to propagate afterwards. Tables
// of one population must list the same closed set of values for a
// dimension (margins add up only when nothing is left out), and no two
// may cross the same pair of dimensions.
//
// # What readers may see
//
// PublishedCell.Reason tells primary from secondary suppressions. It is
// for the secretariat and auditors. The guarantee is stated for readers
// who cannot tell them apart: a member who knows that a cell is primary
// knows it holds fewer than Threshold reporters, and one who knows that a
// cell is secondary knows it holds at least Threshold, which narrows what
// the certificates leave open. Member-facing output should use
// Table.WithoutReasons and mark every withheld figure the same way.
//
// # Limits
//
// Protection covers one call: one snapshot and the populations in it.
// Publishing tables of two snapshots, or of two populations that overlap
// (all reporters and the reporters eligible under a version's rules, or
// two versions compared side by side), lets a reader subtract one from
// the other; the caller must not rely on this package for that. Distinct
// reporter counts in real data need not add up (one reporter may report
// two services); the guarantee is proven for the additive case, which is
// the one that helps a reader most, and certificates shift every line by
// balanced amounts, so they preserve whatever slack the real data have.
package disclosure
