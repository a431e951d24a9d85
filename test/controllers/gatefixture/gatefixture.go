// Package gatefixture is what the Argo Rollouts and Flagger tests (test/controllers/argo,
// test/controllers/flagger) share: reading the live gate fixture that test/controllers/fixture.ts
// writes (scripts/services/go-controllers.sh starts it and names the file in
// RH_CONTROLLERS_FIXTURE), the decision it registered for a release, and an address where no gate
// listens. No dependencies, so each controller module keeps its own pinned Kubernetes versions.
package gatefixture

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"testing"
)

// Fixture is the JSON test/controllers/fixture.ts writes; each test reads the fields it needs.
type Fixture struct {
	GateURL       string            `json:"gateUrl"`
	PrometheusURL string            `json:"prometheusUrl"`
	ReaderToken   string            `json:"readerToken"`
	OperatorToken string            `json:"operatorToken"`
	Environment   string            `json:"environment"`
	Decisions     map[string]string `json:"decisions"`
	// the engine's last stored decision (for a superseded release, what the gate no longer answers)
	Judged map[string]string `json:"judged"`
}

// Load reads the fixture named by RH_CONTROLLERS_FIXTURE; call it from TestMain. Without one the
// test binary exits: 0 (skipped) normally, 1 under CI=true, where a missing gate is a failure.
func Load() Fixture {
	path := os.Getenv("RH_CONTROLLERS_FIXTURE")
	if path == "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "RH_CONTROLLERS_FIXTURE is not set: run scripts/services/go-controllers.sh (under CI=true a missing gate is a failure)")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "SKIP: RH_CONTROLLERS_FIXTURE not set (scripts/services/go-controllers.sh starts the gate)")
		os.Exit(0)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var fx Fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		panic(err)
	}
	return fx
}

// Decision is the decision the fixture's gate gives the release (the test fails on an unknown id).
func (fx Fixture) Decision(t testing.TB, releaseID string) string {
	t.Helper()
	d := fx.Decisions[releaseID]
	if d == "" {
		t.Fatalf("fixture has no release %s", releaseID)
	}
	return d
}

// ClosedOrigin is http://127.0.0.1:PORT of a port just opened and closed: a gate that is down.
func ClosedOrigin(t testing.TB) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://" + listener.Addr().String()
	listener.Close()
	return origin
}
