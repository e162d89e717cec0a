// Command roundtable runs the Roundtable council platform and its
// administrative tools. main.go only wires things together: configuration,
// database, policy, server.
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/policy"
	"roundtable/server"
)

const usage = `roundtable — the open, on-the-record platform of a damage-support council.

Usage:
  roundtable serve [flags]          run the web server
  roundtable user add [flags]       create an account (e.g. the first admin)
  roundtable audit verify FILE      verify a history export offline (also: audit check-proof)
  roundtable demo-data [flags]      write a synthetic damage-report file (--reports N --seed S --out FILE.csv)
  roundtable backup --out FILE      copy a running SQLite database consistently (PostgreSQL: use pg_dump)
  roundtable version                print the version

Run "roundtable COMMAND --help" for the flags of a command.
`

var version = "dev"

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	var ex exitError
	switch {
	case err == nil:
	case errors.As(err, &ex):
		// The usage or flag error was already printed.
		os.Exit(int(ex))
	default:
		fmt.Fprintln(os.Stderr, "roundtable:", err)
		os.Exit(1)
	}
}

// exitError carries a specific exit status (flag errors exit 2).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, "Usage: roundtable user add --email E --name N --role R [--group G] [--organisation O] [--password-stdin]\n")
			return exitError(2)
		}
		return cmdUserAdd(ctx, args[2:], stdin, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr)
	case "demo-data":
		return cmdDemoData(args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "roundtable", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return exitError(2)
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError(0)
		}
		return exitError(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return exitError(2)
	}
	return nil
}

type dbFlags struct {
	db, dataDir, signingKey, origin string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.db, "db", env("DATABASE_URL", "data/roundtable.db"), "SQLite file, or a postgres:// URL (env DATABASE_URL)")
	fs.StringVar(&d.dataDir, "data-dir", env("ROUNDTABLE_DATA_DIR", "data"), "directory for generated keys (env ROUNDTABLE_DATA_DIR)")
	fs.StringVar(&d.signingKey, "signing-key", env("ROUNDTABLE_SIGNING_KEY_FILE", ""), "history signing key file, created if absent (default DATA-DIR/audit-signing.key; env ROUNDTABLE_SIGNING_KEY_FILE, or the key itself in ROUNDTABLE_SIGNING_KEY)")
	fs.StringVar(&d.origin, "log-origin", env("ROUNDTABLE_LOG_ORIGIN", "roundtable.local/audit"), "name of the decision history in its checkpoints (env ROUNDTABLE_LOG_ORIGIN)")
}

// open connects to the database with the history's signing key, which
// lives outside the database so that whoever controls the database alone
// cannot forge checkpoints.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (*models.Store, error) {
	opts := models.Options{Logger: log}
	if inline := os.Getenv("ROUNDTABLE_SIGNING_KEY"); inline != "" {
		signer, vkey, err := auditlog.SignerFromKey(inline)
		if err != nil {
			return nil, fmt.Errorf("ROUNDTABLE_SIGNING_KEY: %w", err)
		}
		opts.Signer, opts.VerifierKey = signer, vkey
	} else {
		path := d.signingKey
		if path == "" {
			path = filepath.Join(d.dataDir, "audit-signing.key")
		}
		signer, vkey, created, err := auditlog.LoadOrCreateSigningKey(path, d.origin)
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		if created {
			log.Info("created history signing key", "path", path, "fingerprint", auditlog.KeyFingerprint(vkey))
		}
		opts.Signer, opts.VerifierKey = signer, vkey
	}
	return models.Open(ctx, d.db, opts)
}

func newLogger(w io.Writer) *slog.Logger {
	if strings.EqualFold(os.Getenv("ROUNDTABLE_LOG_FORMAT"), "json") {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs)
	addr := fs.String("addr", env("ROUNDTABLE_ADDR", ":8080"), "listen address (env ROUNDTABLE_ADDR)")
	demo := fs.Bool("demo", os.Getenv("ROUNDTABLE_DEMO") == "true", "seed the demo council into an empty database and mark pages as demo (env ROUNDTABLE_DEMO=true)")
	secure := fs.Bool("secure-cookies", os.Getenv("ROUNDTABLE_SECURE_COOKIES") == "true", "mark cookies Secure (behind a TLS proxy; env ROUNDTABLE_SECURE_COOKIES=true)")
	proxies := fs.String("trusted-proxies", env("ROUNDTABLE_TRUSTED_PROXIES", ""), "comma-separated proxy addresses whose X-Forwarded-For is believed (env ROUNDTABLE_TRUSTED_PROXIES)")
	checkpointEvery := fs.Duration("checkpoint-every", 10*time.Minute, "sign a history checkpoint this often when the log grew")
	ballotEvery := fs.Duration("ballot-check-every", 15*time.Second, "close ballots whose deadline passed this often (reading a ballot closes it too)")
	// The token is not the flag's default, so --help never prints it.
	metricsToken := fs.String("metrics-token", "", "bearer token that lets a scraper without a session read /metrics; prefer the env ROUNDTABLE_METRICS_TOKEN, which ps does not show (default: admins only)")
	pageCache := fs.Int("page-cache-mib", 32, "memory for version pages rendered once per kind of viewer; 0 turns the cache off")
	memLimit := fs.Int("memory-limit-mib", 128, "soft limit of the Go runtime's memory, so the collector works harder before the process grows (GOMEMLIMIT wins when set); 0 sets none")
	var rf reportFlags
	rf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: roundtable serve [flags]\n\nRuns the web server.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(stderr)
	if os.Getenv("GOMEMLIMIT") == "" && *memLimit > 0 {
		// Soft: past it the collector runs more often, it never refuses
		// memory. Without it the heap may double before a collection.
		debug.SetMemoryLimit(int64(*memLimit) << 20)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	store, err := d.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeStore(store, log)
	if *demo {
		seeded, err := store.PrepareDemo(ctx)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if seeded {
			log.Info("seeded the demo council", "accounts", len(models.DemoAccounts))
		}
	}
	if err := store.RecoverImports(ctx); err != nil {
		return err
	}
	reports, err := rf.reports(store, d.dataDir, *demo, log)
	if err != nil {
		return err
	}
	if reports != nil {
		defer reports.Close() // a running import is cancelled and cleaned up
	}
	authz, err := policy.New()
	if err != nil {
		return err
	}
	var trusted []string
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			trusted = append(trusted, p)
		}
	}
	cacheBytes := *pageCache << 20
	if *pageCache <= 0 {
		cacheBytes = -1 // server.Config reads 0 as "the default"
	}
	srv, err := server.New(store, authz, log, server.Config{Demo: *demo, SecureCookies: *secure, TrustedProxies: trusted,
		Reports: reports, MaxUpload: rf.maxUpload << 20, MetricsToken: cmp.Or(*metricsToken, os.Getenv("ROUNDTABLE_METRICS_TOKEN")),
		PageCacheBytes: cacheBytes})
	if err != nil {
		return err
	}
	go housekeeping(ctx, store, log, *checkpointEvery, *ballotEvery)

	httpSrv := srv.HTTPServer(*addr)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	log.Info("listening", "addr", *addr, "database", string(store.Dialect()), "demo", *demo)
	if *demo {
		go startDemoReports(ctx, reports, log)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", *addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if _, err := store.Checkpoint(shutdownCtx, "shutdown"); err != nil {
		log.Error("final checkpoint", "err", err)
	}
	return nil
}

// housekeeping closes ballots at their deadline, signs periodic
// checkpoints and drops expired sessions. Pages also close due ballots when
// read, so the timer only has to be prompt, not exact.
func housekeeping(ctx context.Context, store *models.Store, log *slog.Logger, every, ballotEvery time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	ballots := time.NewTicker(ballotEvery)
	defer ballots.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ballots.C:
			if n, err := store.CloseDue(ctx); err != nil {
				log.Error("close due ballots", "err", err)
			} else if n > 0 {
				log.Info("closed ballots at their deadline", "count", n)
			}
		case <-t.C:
			if _, err := store.Checkpoint(ctx, "timer"); err != nil {
				log.Error("timed checkpoint", "err", err)
			}
			if err := store.PurgeExpired(ctx); err != nil {
				log.Error("purge expired sessions", "err", err)
			}
		}
	}
}

func cmdUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs)
	var in models.NewUser
	fs.StringVar(&in.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&in.Name, "name", "", "the person's name (required)")
	fs.StringVar(&in.Role, "role", "", "admin, secretariat, member or auditor (required)")
	fs.StringVar(&in.GroupKey, "group", "", "stakeholder group key, members only (e.g. merchant)")
	fs.StringVar(&in.Organisation, "organisation", "", "organisation shown beside the name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of asking")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: roundtable user add --email E --name N --role R [--group G] [--organisation O] [--password-stdin]\n\n"+
			"Creates an account, so a real deployment can create its first admin without any default account.\n"+
			"On a database without a council, a council is created first.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.Email == "" || in.Name == "" || in.Role == "" {
		fs.Usage()
		return exitError(2)
	}
	pw, err := readPassword(stdin, stderr, *pwStdin)
	if err != nil {
		return err
	}
	in.Password = pw
	log := newLogger(stderr)
	store, err := d.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeStore(store, log)
	if _, err := store.DefaultCouncil(ctx); models.ErrorKind(err) == models.KindNotFound {
		if err := store.CreateCouncil(ctx, models.SystemActor(), &models.Council{Name: "피해지원 협의체", NameEn: "Damage Support Council"}, models.DemoGroups()); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	u, err := store.CreateUser(ctx, models.Actor{Role: "system", RequestID: "cli"}, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s account %d for %s\n", u.Role, u.ID, u.Email)
	return nil
}

// readPassword asks on the terminal without echo, or reads one line.
func readPassword(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	if f, ok := stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// closeStore closes the database at exit; a failure is worth a log line
// (unflushed WAL, a dropped connection) but changes nothing for the caller.
func closeStore(store *models.Store, log *slog.Logger) {
	if err := store.Close(); err != nil {
		log.Error("close database", "err", err)
	}
}
