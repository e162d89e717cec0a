package models

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// errStorage is what a person sees when the database cannot store a
// change: the disk is full or the database is read-only. The transaction
// was rolled back, so nothing half-written remains.
var errStorage = &Error{Kind: KindUnavailable, Code: "storage_unavailable",
	Message: "The database cannot store changes right now (disk full or read-only). Nothing was saved; try again later or tell the operator."}

// storageError recognises the drivers' "cannot write" errors and turns
// them into errStorage, keeping the cause for the log.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	var lite sqlite3.Error
	if errors.As(err, &lite) {
		switch lite.Code {
		case sqlite3.ErrReadonly, sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen:
			return &Error{Kind: errStorage.Kind, Code: errStorage.Code, Message: errStorage.Message, Err: err}
		}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "53100", "25006", "57P03": // disk_full, read_only_sql_transaction, cannot_connect_now
			return &Error{Kind: errStorage.Kind, Code: errStorage.Code, Message: errStorage.Message, Err: err}
		}
	}
	return err
}
