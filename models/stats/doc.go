// Package stats is the fixed statistics catalogue of design §3 and the
// aggregation that turns damage reports into its tables, ready for the
// disclosure rules. It is pure: no database, no HTTP, no package state.
//
// # Dimensions and tables
//
// Eight dimensions with closed value lists (service, reporter_type,
// damage_type, paid, amount_band, region, week, sector) and a fixed
// catalogue of one-way tables (one per dimension) and two-way tables
// (Catalogue). Nothing else can be asked for: Lookup refuses any other
// combination, so a reader cannot slice the data into ever thinner
// pieces. The sector dimension adds the value "none" (individuals, and
// businesses that did not state one), because margins only add up when
// every reporter has a value on every dimension.
//
// # What is counted
//
// Every figure counts distinct reporters, identified by the keyed hash of
// their business or phone number. A reporter is counted once in every
// cell where at least one of their reports falls, and their claimed
// amounts in that cell are added up first, so a sum, the two largest
// claims and the median are over per-reporter sums (design §3). The
// median is the lower median (the ⌈n/2⌉-th smallest per-reporter sum);
// only the amount band holding it is ever published, so it is computed
// from a histogram over the bands rather than from the sums themselves.
//
// Distinct reporters need not add up across a row (a reporter who filed
// about two services counts under both); the disclosure package proves
// its guarantee for the additive case, which is the one that helps a
// reader most, and keeps whatever slack the real data have.
//
// # Published form
//
// Publish runs disclosure.Publish once over every table of a snapshot and
// returns the member-facing tables (without the reason a cell was
// withheld, so that every withheld cell looks the same) in the JSON shape
// of the API contract, ready to be stored and served byte for byte.
package stats
