package main

// Damage reports (issue 5): the data key, the disclosure settings, the
// background demo import and the demo-data generator.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"roundtable/models"
	"roundtable/models/disclosure"
	"roundtable/models/pii"
	"roundtable/models/reportfile"
)

// reportFlags are the serve flags of damage reports and statistics.
type reportFlags struct {
	keyFile   string
	maxUpload int64
	threshold int
	rounding  int
	pPercent  float64
}

func (f *reportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.keyFile, "data-key-file", env("ROUNDTABLE_DATA_KEY_FILE", ""), "key file that encrypts personal data in damage reports (default DATA-DIR/data.key; env ROUNDTABLE_DATA_KEY_FILE, or the key itself in ROUNDTABLE_DATA_KEY); without a key, imports and raw reports are refused")
	fs.Int64Var(&f.maxUpload, "max-upload-mib", 512, "largest damage-report file accepted, in MiB")
	fs.IntVar(&f.threshold, "disclosure-threshold", disclosure.DefaultThreshold, "smallest number of reporters a published statistic may describe (never below 5)")
	fs.IntVar(&f.rounding, "disclosure-rounding", disclosure.DefaultRoundingBase, "published counts are rounded to a multiple of this")
	fs.Float64Var(&f.pPercent, "disclosure-p", disclosure.DefaultPPercent, "p of the p% dominance rule for published amounts")
}

// loadSealer reads the data key: ROUNDTABLE_DATA_KEY, else the key file.
// Demo mode creates the file if it is absent. Without a key (and not in
// demo mode) it returns nil: the server then runs without imports. A key
// that is present but unreadable stops the server, so a typo never makes
// it run keyless.
func (f *reportFlags) loadSealer(dataDir string, demo bool, log *slog.Logger) (*pii.Sealer, error) {
	path := f.keyFile
	if path == "" {
		path = filepath.Join(dataDir, "data.key")
	}
	var key *pii.Key
	var err error
	switch value := os.Getenv("ROUNDTABLE_DATA_KEY"); {
	case value != "":
		if key, err = pii.ParseKey(value); err != nil {
			return nil, fmt.Errorf("ROUNDTABLE_DATA_KEY: %w", err)
		}
	case demo:
		var created bool
		if key, created, err = pii.LoadOrGenerateKeyFile(path); err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		if created {
			log.Info("created the data key for personal data", "path", path)
		}
	default:
		key, err = pii.LoadKeyFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			log.Warn("no data key: damage-report imports and raw reports are refused until one is configured",
				"key_file", path, "env", "ROUNDTABLE_DATA_KEY")
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
	}
	return pii.NewSealer(key)
}

// reports builds the damage-report service, or nil without a data key.
func (f *reportFlags) reports(store *models.Store, dataDir string, demo bool, log *slog.Logger) (*models.Reports, error) {
	sealer, err := f.loadSealer(dataDir, demo, log)
	if err != nil || sealer == nil {
		return nil, err
	}
	return models.NewReports(store, models.ReportsOptions{Sealer: sealer, Logger: log,
		Rules: disclosure.Rules{Threshold: f.threshold, RoundingBase: f.rounding, PPercent: f.pPercent}})
}

// startDemoReports imports the demo data set in the background; the
// statistics pages say "being prepared" until it is done.
func startDemoReports(ctx context.Context, svc *models.Reports, log *slog.Logger) {
	if svc == nil {
		return
	}
	done, err := svc.StartDemoImport(ctx, "")
	// An import left running by a demo server stopped moments ago is
	// reclaimed once its heartbeat is two minutes old: keep trying.
	for tries := 0; models.ErrorKind(err) == models.KindConflict && tries < 10; tries++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
		done, err = svc.StartDemoImport(ctx, "")
	}
	switch {
	case err != nil:
		log.Error("demo reports", "err", err)
	case done != nil:
		log.Info("importing the demo damage reports in the background", "reports", models.DemoReportCount)
		go func() {
			<-done
			log.Info("demo damage reports imported")
		}()
	}
}

const demoDataUsage = `Usage: roundtable demo-data --reports N --seed S --out FILE.csv [--cp949] [--korean] [--bom]

Writes a deterministic synthetic damage-report file calibrated to the 2022
council's published figures (design §6), with fictional personal data, for
demos, tests and benchmarks. The same seed always gives the same file.

`

func cmdDemoData(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("reports", models.DemoReportCount, "number of reports")
	seed := fs.Int64("seed", models.DemoReportSeed, "random seed")
	out := fs.String("out", "", "file to write (required; - for standard output)")
	cp949 := fs.Bool("cp949", false, "encode as CP949, as Korean Excel saves CSV")
	korean := fs.Bool("korean", false, "Korean column names and values, like a hand-filled file")
	bom := fs.Bool("bom", false, "start with a UTF-8 byte order mark, as Excel's \"CSV UTF-8\"")
	fs.Usage = func() {
		fmt.Fprint(stderr, demoDataUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *n <= 0 {
		fs.Usage()
		return exitError(2)
	}
	var opts []reportfile.GenerateOption
	if *cp949 {
		opts = append(opts, reportfile.WithCP949())
	}
	if *korean {
		opts = append(opts, reportfile.WithKoreanHeaders(), reportfile.WithKoreanValues())
	}
	if *bom {
		opts = append(opts, reportfile.WithBOM())
	}
	if *out == "-" {
		return reportfile.Generate(stdout, *n, *seed, opts...)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("demo-data: %w", err)
	}
	if err := reportfile.Generate(f, *n, *seed, opts...); err != nil {
		_ = f.Close()
		return fmt.Errorf("demo-data: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("demo-data: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d reports to %s\n", *n, *out)
	return nil
}
