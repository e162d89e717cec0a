// Package pii protects the personal fields of damage reports (name, phone,
// e-mail, business registration number, description) at rest, and gives a
// keyed reporter identity for deduplication and distinct-reporter counts.
//
// # Keys
//
// One 32-byte master key comes from the operator: the value of
// ROUNDTABLE_DATA_KEY (hex or base64; the caller reads the environment and
// passes the value to ParseKey or LoadKey) or a key file (LoadKeyFile).
// Demo mode creates a key file with GenerateKeyFile, 0600 in a 0700
// directory, never overwriting an existing one.
//
// The master key is never used directly. HKDF-SHA-256 derives independent
// subkeys: one for AES-256-GCM, one for the reporter HMAC, and a one-byte
// key id. Keeping the hash key separate from the encryption key means the
// reporter hash, which sits in clear next to ciphertexts and feeds
// statistics, gives no handle on the encryption.
//
// # Ciphertexts
//
// Sealer.Seal produces key id (1 byte) ‖ nonce (12 random bytes) ‖
// ciphertext ‖ GCM tag (16 bytes). The key id lets a Sealer hold the
// current key and previous ones during rotation: it seals with the current
// key, opens with whichever key the id names, and Rewrap moves a value to
// the current key. Key ids are derived, so two keys can collide (1 in 256);
// NewSealer refuses such a pair and the operator generates another key.
//
// Every value is sealed with associated data naming where it lives — table,
// record id, column (FieldAD). GCM authenticates it with the ciphertext, so
// a value moved to another row or column (by a bug or by someone with write
// access to the database) fails to open rather than showing one person's
// data on another's report. The importer must therefore know the record's
// identity before sealing (pre-allocate ids, or use a stable reference such
// as batch and line, consistently for reading).
//
// # Reporter identity
//
// Key.ReporterKey is HMAC-SHA-256 over the business registration number if
// present, else the phone number, each under its own label. Without the key
// the ~10⁸ possible mobile numbers cannot be hashed to find a match. The
// HMAC key derives from the master key, so rotating the master key changes
// every reporter key; the rotation procedure must recompute them.
//
// The package has no I/O besides reading and writing key files, and no
// mutable package state.
package pii
