// Package flagger runs Flagger v1.44.0's own webhook caller (controller.CallWebhook: the payload,
// the POST, `StatusCode > 202` is a failure) and its Prometheus metric provider (RenderQuery on
// the shipped MetricTemplates, NewPrometheusProvider, RunQuery) against a live release-health
// gate and a real Prometheus scraping the gate's /metrics (test/controllers/fixture.ts, started
// by scripts/services/go-controllers.sh).
//
// What is Flagger's and what is ours: the hook call, the payload, the query rendering and the
// Prometheus query are Flagger's code. The scheduler that strings them together is not run (it
// needs a cluster and a mesh); its rules are applied here as written in pkg/controller
// (scheduler.go runAnalysis, scheduler_hooks.go, scheduler_metrics.go): a gating hook proceeds
// when CallWebhook returns nil, the rollback hook rolls back when it returns nil, and a metric
// check fails when `val > *tr.Max` (thresholdRange max 0). The canary's name and namespace are the
// release's service and environment; the templates' Prometheus address is replaced by the
// fixture's.
package flagger

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"github.com/fluxcd/flagger/pkg/controller"
	"github.com/fluxcd/flagger/pkg/metrics/observers"
	"github.com/fluxcd/flagger/pkg/metrics/providers"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"release-health/test/controllers/gatefixture"
	"sigs.k8s.io/yaml"
)

var fx gatefixture.Fixture

func TestMain(m *testing.M) {
	fx = gatefixture.Load()
	os.Exit(m.Run())
}

func canary(service string) flaggerv1.Canary {
	c := flaggerv1.Canary{ObjectMeta: metav1.ObjectMeta{Name: service, Namespace: fx.Environment}}
	c.Spec.TargetRef.Name = service
	return c
}

// hook calls the gate's webhook of that type with Flagger's own CallWebhook; nil is success.
func hook(service, hookType string, phase flaggerv1.CanaryPhase, metadata map[string]string, origin string) error {
	if origin == "" {
		origin = fx.GateURL
	}
	w := flaggerv1.CanaryWebhook{Name: "release-health-" + hookType, Type: flaggerv1.HookType(hookType), URL: origin + "/api/v1/flagger/" + hookType, Timeout: "5s", Metadata: &metadata}
	return controller.CallWebhook(canary(service), phase, w)
}

func reader() map[string]string   { return map[string]string{"token": fx.ReaderToken} }
func operator() map[string]string { return map[string]string{"token": fx.OperatorToken} }

// metricTemplates: the shipped MetricTemplates (examples and deploy), with their canary's variables.
type shippedTemplate struct {
	file      string
	template  flaggerv1.MetricTemplate
	variables func(service string) map[string]string
	max       float64
}

var docSplit = regexp.MustCompile(`(?m)^---\s*$`)

func loadTemplates(t *testing.T) []shippedTemplate {
	t.Helper()
	read := func(rel string) []string {
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", rel))
		if err != nil {
			t.Fatal(err)
		}
		return docSplit.Split(string(raw), -1)
	}
	var out []shippedTemplate
	pick := func(file string, vars func(string) map[string]string) {
		for _, doc := range read(file) {
			var head struct{ Kind string }
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatal(err)
			}
			if head.Kind != "MetricTemplate" {
				continue
			}
			var mt flaggerv1.MetricTemplate
			if err := yaml.UnmarshalStrict([]byte(doc), &mt); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, shippedTemplate{file: file, template: mt, variables: vars, max: 0})
		}
	}
	pick("examples/flagger/canary.yaml", func(string) map[string]string { return nil })
	pick("deploy/kubernetes/flagger/metrictemplate.yaml", func(service string) map[string]string {
		return map[string]string{"service": service, "environment": fx.Environment}
	})
	if len(out) != 2 {
		t.Fatalf("expected 2 shipped MetricTemplates, found %d", len(out))
	}
	return out
}

// metricCheckFails renders the template for the canary and runs it through Flagger's Prometheus
// provider; the check fails when the query errs or `val > max` (scheduler_metrics.go).
func metricCheckFails(t *testing.T, st shippedTemplate, service string) (bool, float64) {
	t.Helper()
	c := canary(service)
	model := flaggerv1.MetricTemplateModel{Name: c.Name, Namespace: c.Namespace, Target: c.Spec.TargetRef.Name, Service: c.Spec.TargetRef.Name, Ingress: c.Spec.TargetRef.Name, Interval: "1m", Variables: st.variables(service)}
	query, err := observers.RenderQuery(st.template.Spec.Query, model)
	if err != nil {
		t.Fatalf("%s: RenderQuery: %v", st.file, err)
	}
	provider := st.template.Spec.Provider
	provider.Address = fx.PrometheusURL
	prom, err := providers.NewPrometheusProvider(provider, nil)
	if err != nil {
		t.Fatal(err)
	}
	val, err := prom.RunQuery(query)
	if err != nil {
		t.Fatalf("%s for %s: RunQuery: %v\nquery: %s", st.file, service, err, query)
	}
	return val > st.max, val
}

// One test per decision: what each Flagger hook and the metric check do for it.
func TestDecisions(t *testing.T) {
	templates := loadTemplates(t)
	cases := []struct {
		release, decision                                   string
		proceed, rolloutOK, promotes, rollsBack, metricFail bool
	}{
		{"ctl-promote", "promote", true, true, true, false, false},
		{"ctl-continue", "continue", true, true, false, false, false},
		{"ctl-reduce", "reduce-traffic", false, false, false, true, true},
		{"ctl-rollback", "rollback", false, false, false, true, true},
		{"ctl-inconclusive", "inconclusive", true, true, false, false, false},
		// a new release: warming up, judged from registration: it proceeds, is never promoted
		{"ctl-new", "continue", true, true, false, false, false},
		// no data at all, window over: inconclusive — held, never promoted, never rolled back by itself
		{"ctl-nodata", "inconclusive", true, true, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.release, func(t *testing.T) {
			if d := fx.Decision(t, c.release); d != c.decision {
				t.Fatalf("fixture: %s is %s, not %s", c.release, d, c.decision)
			}
			check := func(hookType string, want bool, what string) {
				err := hook(c.release, hookType, flaggerv1.CanaryPhaseProgressing, reader(), "")
				if (err == nil) != want {
					t.Errorf("%s hook on %s: error %v; want %s", hookType, c.decision, err, what)
				}
			}
			check("confirm-rollout", c.proceed, "proceed only without harm found")
			check("pre-rollout", c.proceed, "proceed only without harm found")
			check("rollout", c.rolloutOK, "the analysis check fails only on harm")
			check("confirm-promotion", c.promotes, "promotion only on promote")
			check("rollback", c.rollsBack, "a rollback only on rollback or reduce-traffic")
			for _, st := range templates {
				fails, val := metricCheckFails(t, st, c.release)
				if fails != c.metricFail {
					t.Errorf("%s metric check on %s: value %v, failed %v; want failed %v", st.file, c.decision, val, fails, c.metricFail)
				}
			}
		})
	}
}

// Flagger reads only the canary's current release: tenant a (older, rollback) and tenant b
// (newer, continue) of the same service are both active; the hooks answer for b and the metric
// reads b. The same query without the topk(1) on the registration time reads 1 — what the old
// template did.
func TestOnlyTheCurrentReleaseOfTheCanary(t *testing.T) {
	if fx.Decision(t, "ctl-tenant-a") != "rollback" || fx.Decision(t, "ctl-tenant-b") != "continue" {
		t.Fatalf("fixture: tenants %v", fx.Decisions)
	}
	if err := hook("ctl-tenant", "rollback", flaggerv1.CanaryPhaseProgressing, reader(), ""); err == nil {
		t.Error("rollback hook rolled back for the older release of another tenant")
	}
	if err := hook("ctl-tenant", "rollout", flaggerv1.CanaryPhaseProgressing, reader(), ""); err != nil {
		t.Errorf("rollout hook: %v", err)
	}
	for _, st := range loadTemplates(t) {
		if fails, val := metricCheckFails(t, st, "ctl-tenant"); fails {
			t.Errorf("%s: the metric read the older release (value %v)", st.file, val)
		}
		naive := st
		naive.template.Spec.Query = `max(release_health_verdict{service="{{ target }}", environment="{{ namespace }}", decision=~"rollback|reduce-traffic"}) or on() vector(0)`
		if fails, _ := metricCheckFails(t, naive, "ctl-tenant"); !fails {
			t.Error("the max over every active release should read the older tenant's rollback (the test would not tell the templates apart)")
		}
	}
}

// A superseded release: the newer one of the same target answers; named by id, the old one says
// it was superseded and does not roll anything back (the gate answers inconclusive for it; its
// engine's last decision was rollback).
func TestSupersededRelease(t *testing.T) {
	if fx.Judged["ctl-sup-old"] != "rollback" || fx.Decision(t, "ctl-sup-old") != "inconclusive" || fx.Decision(t, "ctl-sup-new") != "continue" {
		t.Fatalf("fixture: %v (judged %v)", fx.Decisions, fx.Judged)
	}
	if err := hook("ctl-sup", "rollback", flaggerv1.CanaryPhaseProgressing, reader(), ""); err == nil {
		t.Error("rollback hook answered for the superseded release")
	}
	byID := reader()
	byID["releaseId"] = "ctl-sup-old"
	err := hook("ctl-sup", "rollback", flaggerv1.CanaryPhaseProgressing, byID, "")
	if err == nil || !strings.Contains(err.Error(), "superseded by ctl-sup-new") {
		t.Errorf("rollback hook for the superseded release by id: %v", err)
	}
	for _, st := range loadTemplates(t) {
		if fails, val := metricCheckFails(t, st, "ctl-sup"); fails {
			t.Errorf("%s: metric %v for the target of a superseded rollback", st.file, val)
		}
	}
	// the gate records it as superseded, naming the newer release (not aborted: it was not rolled back)
	got := readRelease(t, "ctl-sup-old")
	if got.Status != "superseded" || got.SupersededBy != "ctl-sup-new" {
		t.Errorf("superseded release reads status %q supersededBy %q", got.Status, got.SupersededBy)
	}
}

type releaseRead struct {
	Status       string
	SupersededBy string
}

// readRelease reads a release through the gate's API with the reader token.
func readRelease(t *testing.T, id string) releaseRead {
	t.Helper()
	req, _ := http.NewRequest("GET", fx.GateURL+"/api/v1/releases/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+fx.ReaderToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var got releaseRead
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("release %s: %v: %s", id, err, body)
	}
	return got
}

// post-rollout closes the release (operator token): Succeeded → completed.
func TestPostRolloutClosesTheRelease(t *testing.T) {
	if err := hook("ctl-close", "post-rollout", flaggerv1.CanaryPhaseSucceeded, reader(), ""); err == nil {
		t.Fatal("post-rollout with a reader token closed the release")
	}
	if err := hook("ctl-close", "post-rollout", flaggerv1.CanaryPhaseSucceeded, operator(), ""); err != nil {
		t.Fatalf("post-rollout: %v", err)
	}
	if got := readRelease(t, "ctl-close"); got.Status != "completed" {
		t.Fatalf("release after post-rollout: %+v", got)
	}
	// again: already closed, still a success for Flagger (it only records an event)
	if err := hook("ctl-close", "post-rollout", flaggerv1.CanaryPhaseSucceeded, operator(), ""); err != nil {
		t.Fatalf("post-rollout again: %v", err)
	}
}

// A wrong token: every gating hook holds, the rollback hook does not roll back.
func TestBadToken(t *testing.T) {
	wrong := map[string]string{"token": strings.Repeat("x", 40)}
	for _, h := range []string{"confirm-rollout", "pre-rollout", "rollout", "confirm-promotion"} {
		err := hook("ctl-promote", h, flaggerv1.CanaryPhaseProgressing, wrong, "")
		if err == nil || !strings.Contains(err.Error(), "token") {
			t.Errorf("%s with a wrong token: %v", h, err)
		}
	}
	if err := hook("ctl-rollback", "rollback", flaggerv1.CanaryPhaseProgressing, wrong, ""); err == nil {
		t.Error("rollback hook with a wrong token signalled a rollback")
	}
}

// The gate down: every hook call fails — promotion held, the rollout check failing (counted
// against threshold), the rollback hook not signalling.
func TestGateDown(t *testing.T) {
	closed := gatefixture.ClosedOrigin(t)
	for _, h := range []string{"confirm-rollout", "rollout", "confirm-promotion", "rollback"} {
		if err := hook("ctl-promote", h, flaggerv1.CanaryPhaseProgressing, reader(), closed); err == nil {
			t.Errorf("%s succeeded with the gate down", h)
		}
	}
}

// A canary with no release registered: 404 with a text that says what was looked for.
func TestUnknownCanary(t *testing.T) {
	err := hook("ctl-nowhere", "confirm-promotion", flaggerv1.CanaryPhaseProgressing, reader(), "")
	if err == nil || !strings.Contains(err.Error(), `no release of service \"ctl-nowhere\" in environment \"ctl\"`) {
		t.Errorf("unknown canary: %v", err)
	}
}
