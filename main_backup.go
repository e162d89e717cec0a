package main

// roundtable backup: an online, consistent copy of a SQLite database. A
// PostgreSQL database is backed up with pg_dump, which this command names
// instead of wrapping.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"roundtable/models"
)

const backupUsage = `Usage: roundtable backup [--db DB] --out FILE

Writes a consistent copy of the SQLite database to FILE while the server
keeps running (SQLite's VACUUM INTO), checks it, and refuses to overwrite
an existing FILE. Back up the history signing key and the data key as well:
they are not in the database. For PostgreSQL it prints the pg_dump command
to use and exits with status 1.

`

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("DATABASE_URL", "data/roundtable.db"), "SQLite file to back up (env DATABASE_URL)")
	out := fs.String("out", "", "file to write; must not exist (required)")
	fs.Usage = func() {
		fmt.Fprint(stderr, backupUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return exitError(2)
	}
	info, err := models.BackupSQLite(ctx, *db, *out)
	if errors.Is(err, models.ErrBackupPostgres) {
		// The URL is not echoed: it may hold a password.
		fmt.Fprintf(stderr, `roundtable backup: this is a PostgreSQL database; back it up with pg_dump, which takes a
consistent snapshot while the servers keep running:

  pg_dump --format=custom --file=%q "$DATABASE_URL"

Restore into an empty database with:

  pg_restore --no-owner --dbname="$DATABASE_URL" %q

`, *out, *out)
		return exitError(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, %d history events); keep the signing key and data key with it\n",
		*db, info.Path, info.Bytes, info.AuditEvents)
	return nil
}
