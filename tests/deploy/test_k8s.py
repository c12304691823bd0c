"""The Kubernetes manifests: valid for the API (offline, strict) and true to the policy."""

import subprocess
from pathlib import Path
from typing import Any

import yaml

from src.config import PROJECT_ROOT

K8S = PROJECT_ROOT / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))


def _by_kind() -> dict[str, dict[str, Any]]:
    documents = [yaml.safe_load(path.read_text("utf-8")) for path in MANIFESTS]
    return {document["kind"]: document for document in documents}


def _pod_specs() -> list[dict[str, Any]]:
    kinds = _by_kind()
    return [
        kinds["Deployment"]["spec"]["template"]["spec"],
        kinds["Job"]["spec"]["template"]["spec"],
        kinds["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"],
    ]


def test_every_manifest_is_valid_for_kubernetes_strictly() -> None:
    result = subprocess.run(
        ["kubernetes-validate", "--strict", *map(str, MANIFESTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_expected_objects_are_there() -> None:
    assert set(_by_kind()) == {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "CronJob",
        "PersistentVolumeClaim",
    }


def test_every_pod_reads_the_shared_model_store_where_the_config_says() -> None:
    kinds = _by_kind()
    claim = kinds["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # any pod may activate a model
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["mountPath"] == kinds["ConfigMap"]["data"]["MODEL_STORE_DIR"]
    assert mount["readOnly"]


def test_pods_run_as_non_root_on_a_read_only_filesystem_with_tmp_writable() -> None:
    for spec in _pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 1000
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"]
            assert set(container["resources"]) == {"requests", "limits"}
        assert {
            "name": "tmp",
            "emptyDir": {"sizeLimit": spec["volumes"][0]["emptyDir"]["sizeLimit"]},
        } in spec["volumes"]


def test_images_are_pinned_never_latest() -> None:
    for spec in _pod_specs():
        for container in spec["containers"]:
            name, _, tag = container["image"].rpartition(":")
            assert name and tag and tag != "latest"


def test_the_app_is_probed_on_its_health_routes_and_runs_one_process_per_pod() -> None:
    container = _by_kind()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert "command" not in container and "args" not in container  # the image's python app.py


def test_the_service_keeps_a_browser_on_one_pod_and_the_pdb_keeps_one_up() -> None:
    kinds = _by_kind()
    assert kinds["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    selector = kinds["Deployment"]["spec"]["selector"]["matchLabels"]
    assert kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    assert kinds["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2


def test_the_migration_job_migrates_and_loads_with_the_apps_configuration() -> None:
    kinds = _by_kind()
    job = kinds["Job"]["spec"]["template"]["spec"]["containers"][0]
    app = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert "database.migrate upgrade" in " ".join(job["command"])
    assert "database.load_employees" in " ".join(job["command"])
    assert job["envFrom"] == app["envFrom"] and job["image"] == app["image"]


def test_the_secret_is_a_template_without_real_values() -> None:
    secret = _by_kind()["Secret"]["stringData"]
    assert "<token>" in secret["API_TOKENS"] and "<password>" in secret["DATABASE_URL"]


def test_the_ui_note_is_documented() -> None:
    note = Path(K8S / "README.md").read_text("utf-8")
    assert "sessionAffinity" in note and "Gradio" in note


def test_pods_are_scraped_and_scaled_on_their_request_rate() -> None:
    kinds = _by_kind()
    annotations = kinds["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert (annotations["prometheus.io/port"], annotations["prometheus.io/path"]) == (
        "7860",
        "/metrics",
    )
    metrics = kinds["HorizontalPodAutoscaler"]["spec"]["metrics"]
    [pods] = [metric["pods"] for metric in metrics if metric["type"] == "Pods"]
    assert pods["metric"]["name"] == "attrition_http_requests_per_second"
    assert kinds["ConfigMap"]["data"]["LOG_FORMAT"] == "json"


def test_the_training_cronjob_retrains_monthly_into_the_store_without_the_tokens() -> None:
    kinds = _by_kind()
    cron = kinds["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["schedule"] == "0 3 1 * *"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    app = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == app["image"]
    assert {"--register", "--source=database", "--only-if-data-changed"} <= set(
        container["command"]
    )
    assert container["envFrom"] == [{"configMapRef": {"name": "technova-attrition"}}]
    from_secret = [e for e in container["env"] if "valueFrom" in e]
    assert [e["valueFrom"]["secretKeyRef"]["key"] for e in from_secret] == ["DATABASE_URL"]
    [volume] = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"]["claimName"] == "technova-attrition-models"
    [mount] = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["mountPath"] == kinds["ConfigMap"]["data"]["MODEL_STORE_DIR"]
    assert not mount.get("readOnly")  # it registers the new model there
