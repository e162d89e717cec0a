package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"roundtable/models/auditlog"
)

const auditUsage = `Usage:
  roundtable audit verify FILE [--key PUBKEY] [--checkpoint CP]... [--json]
      Verify a history export (GET /api/v1/audit/export) offline. Trusts
      nothing in the file: recomputes every hash and root, checks every
      checkpoint's signature and that the log only grew, and names the first
      bad sequence number. Exit status 0: intact; 1: problems found.
  roundtable audit check-proof FILE --key PUBKEY [--key OLDKEY] [--checkpoint CP]...
      Check an inclusion or consistency proof (GET /api/v1/audit/proofs/...)
      against checkpoints signed by the trusted key. Exit status 0: the proof
      holds; 1: it does not.

PUBKEY is the server's public key (GET /api/v1/audit/public-key), given as
the key itself or as a file holding it. CP is a file holding a signed
checkpoint you kept earlier (GET /api/v1/audit/checkpoints/latest); give as
many as you have.
`

// cmdAudit is the auditor's offline toolbox. It never opens the database
// and never talks to the server: everything it checks comes from the files
// it is given and the key the auditor trusts.
func cmdAudit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return exitError(2)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(args[1:], stdout, stderr)
	case "check-proof":
		return cmdAuditCheckProof(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, auditUsage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown audit command %q\n\n%s", args[0], auditUsage)
	return exitError(2)
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// auditFlags parses FILE and the flags in any order ("verify FILE --key K"
// as well as "verify --key K FILE").
type auditFlags struct {
	fs          *flag.FlagSet
	keys        listFlag
	checkpoints listFlag
	asJSON      bool
}

func newAuditFlags(name string, stderr io.Writer) *auditFlags {
	a := &auditFlags{fs: flag.NewFlagSet("audit "+name, flag.ContinueOnError)}
	a.fs.SetOutput(stderr)
	a.fs.Var(&a.keys, "key", "the server's public key, or a file holding it (repeat after a key change)")
	a.fs.Var(&a.checkpoints, "checkpoint", "a file holding a signed checkpoint you kept (repeatable)")
	a.fs.Usage = func() { fmt.Fprint(stderr, auditUsage) }
	return a
}

func (a *auditFlags) parse(args []string) (file string, err error) {
	var files []string
	for {
		if err := a.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", exitError(0)
			}
			return "", exitError(2)
		}
		if a.fs.NArg() == 0 {
			break
		}
		files = append(files, a.fs.Arg(0))
		args = a.fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(a.fs.Output(), "give exactly one FILE (got %d)\n\n%s", len(files), auditUsage)
		return "", exitError(2)
	}
	return files[0], nil
}

// readKeys resolves each --key: a file that exists is read, anything else
// is taken as the key itself.
func (a *auditFlags) readKeys() ([]string, error) {
	var out []string
	for _, k := range a.keys {
		if b, err := os.ReadFile(k); err == nil {
			k = string(b)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reading key file %s: %w", k, err)
		}
		k = strings.TrimSpace(k)
		if _, _, err := auditlog.SignerFromKey(k); err == nil {
			return nil, errors.New("--key was given a secret signing key; give the public key (GET /api/v1/audit/public-key) and keep the secret one secret")
		}
		out = append(out, k)
	}
	return out, nil
}

func (a *auditFlags) readCheckpoints() ([][]byte, error) {
	var out [][]byte
	for _, p := range a.checkpoints {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading checkpoint %s: %w", p, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func cmdAuditVerify(args []string, stdout, stderr io.Writer) error {
	a := newAuditFlags("verify", stderr)
	a.fs.BoolVar(&a.asJSON, "json", false, "print the report as JSON")
	file, err := a.parse(args)
	if err != nil {
		return err
	}
	keys, err := a.readKeys()
	if err != nil {
		return err
	}
	if len(keys) > 1 {
		fmt.Fprintln(stderr, "verify takes one --key: the server's current key (older keys are checked through the history's own key events)")
		return exitError(2)
	}
	held, err := a.readCheckpoints()
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("opening the export: %w", err)
	}
	// Only read: a failed close loses nothing.
	defer func() { _ = f.Close() }()
	opts := auditlog.VerifyOptions{TrustedCheckpoints: held}
	if len(keys) == 1 {
		opts.TrustedKey = keys[0]
	}
	rep, err := auditlog.Verify(f, opts)
	if err != nil {
		// The report covers what could be read; say both.
		rep.OK = false
		rep.Problems = append(rep.Problems, err.Error())
	}
	if a.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	} else {
		printReport(stdout, file, rep, opts, len(held))
	}
	if !rep.OK {
		return exitError(1)
	}
	return nil
}

func printReport(w io.Writer, file string, rep auditlog.Report, opts auditlog.VerifyOptions, held int) {
	fmt.Fprintf(w, "%s: %d events, root %s\n", file, rep.Count, rep.Head)
	if rep.VerifierKey != "" {
		how := "the key you gave"
		if opts.TrustedKey == "" {
			how = "the key named in the export itself; compare this fingerprint with the one the council published, or pass --key"
		}
		fmt.Fprintf(w, "signing key %s (fingerprint %s): %s\n", rep.VerifierKey, rep.KeyFingerprint, how)
	}
	if rep.SignedSize > 0 {
		fmt.Fprintf(w, "signed checkpoints vouch for events 1..%d", rep.SignedSize)
		if rep.SignedSize < rep.Count {
			fmt.Fprintf(w, "; events %d..%d are protected by the hash chain alone", rep.SignedSize+1, rep.Count)
		}
		fmt.Fprintln(w)
	}
	if held > 0 {
		fmt.Fprintf(w, "checked against %d checkpoint(s) you kept\n", held)
	} else {
		fmt.Fprintln(w, "no kept checkpoint given (--checkpoint): a history rewritten and re-signed by whoever holds the key would not be noticed")
	}
	if rep.OK {
		fmt.Fprintln(w, "OK: the history is intact.")
		return
	}
	if rep.FirstBadSeq > 0 {
		fmt.Fprintf(w, "TAMPERED: the first bad event is seq %d.\n", rep.FirstBadSeq)
	} else {
		fmt.Fprintln(w, "NOT VERIFIED: the signatures or keys do not check out (no event to blame).")
	}
	fmt.Fprintln(w, "problems:")
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

func cmdAuditCheckProof(args []string, stdout, stderr io.Writer) error {
	a := newAuditFlags("check-proof", stderr)
	file, err := a.parse(args)
	if err != nil {
		return err
	}
	keys, err := a.readKeys()
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintf(stderr, "check-proof needs --key: the server's public key, obtained other than from the proof itself\n\n%s", auditUsage)
		return exitError(2)
	}
	held, err := a.readCheckpoints()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading the proof: %w", err)
	}
	res, err := auditlog.CheckBundle(b, keys, held)
	if err != nil {
		fmt.Fprintf(stdout, "%s: FAILED: %v\n", file, err)
		return exitError(1)
	}
	against := "the checkpoint in the file, signed by key " + strings.Join(res.Fingerprints, ", ")
	if len(res.Held) > 0 {
		against = fmt.Sprintf("checkpoint(s) you kept (size %v)", res.Held)
	}
	switch res.Kind {
	case auditlog.BundleInclusion:
		e := res.Event
		fmt.Fprintf(stdout, "%s: OK: event %d (%s %s #%d at %s) is in the log of %d events, checked against %s.\n",
			file, e.Seq, e.Action, e.ObjectType, e.ObjectID, e.At.UTC().Format("2006-01-02T15:04:05Z"), res.TreeSize, against)
	default:
		fmt.Fprintf(stdout, "%s: OK: the log of %d events extends the log of %d events without changing any of them, checked against %s.\n",
			file, res.NewSize, res.OldSize, against)
	}
	return nil
}
