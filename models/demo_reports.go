package models

import (
	"context"
	"fmt"
	"io"

	"roundtable/models/reportfile"
)

// The demo's synthetic damage reports: as many as the 2022 council received
// (design §6), from a fixed seed so every demo shows the same statistics.
const (
	DemoReportCount = 105_116
	DemoReportSeed  = 20221015
)

// StartDemoImport imports the demo data set through the real import path,
// as the demo secretariat, in the background. It does nothing when the
// database already holds imported reports, so restarting a demo keeps what
// it has (the channel is then nil), and answers import_running while
// another import runs.
func (r *Reports) StartDemoImport(ctx context.Context, dir string) (<-chan struct{}, error) {
	if err := r.store.RecoverImports(ctx); err != nil {
		return nil, err
	}
	var n int64
	if err := r.store.db.WithContext(ctx).Model(&ReportBatch{}).Where("status = ?", BatchCommitted).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("demo reports: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	if running, err := r.store.ImportRunning(ctx); err != nil {
		return nil, err
	} else if running != nil {
		// Left by a server that stopped moments ago, or running on another
		// instance: the caller tries again once it is reclaimed or done.
		return nil, Errorf(KindConflict, "import_running", "Import %d is still running.", running.ID)
	}
	users, err := r.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	var actor Actor
	for _, u := range users {
		if u.Email == DemoAccounts[1].Email && u.Role == RoleSecretariat {
			actor = Actor{UserID: u.ID, Role: u.Role, RequestID: "demo-import"}
		}
	}
	if actor.UserID == 0 {
		return nil, fmt.Errorf("demo reports: the demo secretariat account is missing")
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(reportfile.Generate(pw, DemoReportCount, DemoReportSeed))
	}()
	up, err := SpoolUpload(pr, dir, "demo-reports.csv", 0)
	_ = pr.Close()
	if err != nil {
		return nil, fmt.Errorf("demo reports: %w", err)
	}
	_, done, err := r.StartImport(ctx, actor, up)
	if err != nil {
		return nil, fmt.Errorf("demo reports: %w", err)
	}
	return done, nil
}
