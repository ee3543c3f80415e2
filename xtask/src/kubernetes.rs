//! `k8s-validate`: renders each kustomize overlay of `deploy/kubernetes/` and validates it offline
//! against the Kubernetes API schemas (`kubernetes-validate --strict`, from PyPI, in a venv under
//! the target dir), then checks what a schema cannot: the manifests agree with each other and
//! with the bakery's settings.
//!
//! kustomize is rarely installed, so the overlays are rendered here, by the subset of kustomize
//! they use: `resources` (files and directories with a kustomization) and `patches` by `path`,
//! applied as a JSON merge patch (RFC 7386) to the resource with the patch's kind and name. A
//! kustomization field or a patch outside that subset is an error, never a silent difference.

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

/// The validator and the Kubernetes version whose schemas the manifests must pass.
const VALIDATOR_VERSION: &str = "1.37.0";
const KUBERNETES_VERSION: &str = "1.35.0";

/// The overlays to render and validate, under `deploy/kubernetes/overlays/`.
pub const OVERLAYS: &[&str] = &["cpu", "keda"];

/// `cargo xtask k8s-validate`, also a step of `cargo xtask test`.
pub fn validate() -> Result<(), String> {
    let started = std::time::Instant::now();
    let deploy = crate::root().join("deploy").join("kubernetes");
    let out = target_dir().join("k8s");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let example = load_file(&deploy.join("secret.example.yaml"))?;
    let table = crate::root().join("src").join("config").join("table.rs");
    let settings = std::fs::read_to_string(&table)
        .map_err(|e| format!("cannot read {}: {e}", table.display()))?;
    let mut files = vec![deploy.join("secret.example.yaml")];
    for overlay in OVERLAYS {
        let resources = render(&deploy.join("overlays").join(overlay))?;
        check(&resources, &example, &settings).map_err(|e| format!("overlay {overlay}: {e}"))?;
        let file = out.join(format!("{overlay}.yaml"));
        std::fs::write(&file, emit(&resources)?)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        files.push(file);
    }
    let validator = install_validator()?;
    crate::run_command(
        Command::new(validator)
            .args([
                "--strict",
                "--quiet",
                "--kubernetes-version",
                KUBERNETES_VERSION,
            ])
            .args(&files),
    )?;
    eprintln!(
        "xtask: k8s manifests ({}) valid for Kubernetes {KUBERNETES_VERSION} in {:.1} s",
        OVERLAYS.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => crate::root().join(dir),
        None => crate::root().join("target"),
    }
}

/// `kubernetes-validate` in a venv of its own under the target dir, installed once.
fn install_validator() -> Result<PathBuf, String> {
    let venv = target_dir().join("k8s-venv");
    let validator = venv.join("bin").join("kubernetes-validate");
    let installed = Command::new(&validator)
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(VALIDATOR_VERSION));
    if !installed {
        crate::run_command(Command::new("python3").arg("-m").arg("venv").arg(&venv))
            .map_err(|e| format!("{e}; on Debian: apt-get install python3-venv"))?;
        crate::run_command(
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .arg(format!("kubernetes-validate=={VALIDATOR_VERSION}")),
        )?;
    }
    Ok(validator)
}

fn load_file(path: &Path) -> Result<Vec<Yaml>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let docs = YamlLoader::load_from_str(&text)
        .map_err(|e| format!("{} is not YAML: {e}", path.display()))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// `kind/name` of a resource, for messages and matching.
pub fn id(resource: &Yaml) -> String {
    format!(
        "{}/{}",
        resource["kind"].as_str().unwrap_or("?"),
        resource["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// The resources of the kustomization in `dir`, its patches applied.
pub fn render(dir: &Path) -> Result<Vec<Yaml>, String> {
    let file = dir.join("kustomization.yaml");
    let kustomization = load_file(&file)?.into_iter().next().unwrap_or(Yaml::Null);
    let Some(fields) = kustomization.as_hash() else {
        return Err(format!("{} is not a mapping", file.display()));
    };
    for field in fields.keys() {
        let known = ["apiVersion", "kind", "resources", "patches"];
        if !field.as_str().is_some_and(|f| known.contains(&f)) {
            return Err(format!(
                "{}: {field:?} is not rendered here (only {known:?})",
                file.display()
            ));
        }
    }
    let mut resources: Vec<Yaml> = Vec::new();
    for entry in list(&kustomization["resources"]) {
        let path = dir.join(entry.as_str().ok_or("a resource is not a path")?);
        let found = match path.is_dir() {
            true => render(&path)?,
            false => load_file(&path)?,
        };
        for resource in found {
            if resources.iter().any(|r| id(r) == id(&resource)) {
                return Err(format!("{} appears twice", id(&resource)));
            }
            resources.push(resource);
        }
    }
    for patch in list(&kustomization["patches"]) {
        let only_path = patch.as_hash().is_some_and(|h| h.len() == 1);
        let Some(path) = patch["path"].as_str().filter(|_| only_path) else {
            return Err(format!("{}: a patch must be just a `path`", file.display()));
        };
        for patch in load_file(&dir.join(path))? {
            let target = resources
                .iter_mut()
                .find(|r| id(r) == id(&patch) && r["apiVersion"] == patch["apiVersion"])
                .ok_or_else(|| format!("patch {path}: no {} to patch", id(&patch)))?;
            merge_patch(target, &patch).map_err(|e| format!("patch {path}: {e}"))?;
        }
    }
    Ok(resources)
}

fn list(value: &Yaml) -> &[Yaml] {
    value.as_vec().map(Vec::as_slice).unwrap_or_default()
}

/// RFC 7386: mappings merge key by key, `null` removes a key, anything else replaces. A list in
/// a patch is refused: kustomize would merge some lists by key where this would replace them.
pub fn merge_patch(target: &mut Yaml, patch: &Yaml) -> Result<(), String> {
    let Some(changes) = patch.as_hash() else {
        return match patch {
            Yaml::Array(_) => Err("lists in patches are not rendered here".to_owned()),
            _ => {
                *target = patch.clone();
                Ok(())
            }
        };
    };
    if !target.is_hash() {
        *target = Yaml::Hash(Default::default());
    }
    let Yaml::Hash(fields) = target else {
        return Ok(());
    };
    for (name, change) in changes {
        if change.is_null() {
            fields.remove(name);
        } else {
            match fields.get_mut(name) {
                Some(field) => merge_patch(field, change)?,
                None => {
                    let mut field = Yaml::Null;
                    merge_patch(&mut field, change)?;
                    fields.insert(name.clone(), field);
                }
            }
        }
    }
    Ok(())
}

/// The resources as one multi-document YAML file.
pub fn emit(resources: &[Yaml]) -> Result<String, String> {
    let mut out = String::new();
    for resource in resources {
        YamlEmitter::new(&mut out)
            .dump(resource)
            .map_err(|e| format!("cannot write {}: {e:?}", id(resource)))?;
        out.push('\n');
    }
    Ok(out)
}

fn of_kind<'a>(resources: &'a [Yaml], kind: &'a str) -> impl Iterator<Item = &'a Yaml> + 'a {
    resources
        .iter()
        .filter(move |r| r["kind"].as_str() == Some(kind))
}

/// A duration setting in seconds: `10s`, `2m`, `500ms`.
fn seconds(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.trim().parse().ok()?;
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some(number * factor)
}

/// What the schemas cannot see: every `BAKERY_*` name is a setting (`settings_table` is the text
/// of src/config/table.rs), every reference between the manifests resolves, the pods stop in
/// time, and KEDA watches the queue the workers read.
pub fn check(
    resources: &[Yaml],
    secret_example: &[Yaml],
    settings_table: &str,
) -> Result<(), String> {
    let known = |name: &str| {
        !name.starts_with("BAKERY_") || settings_table.contains(&format!("\"{name}\""))
    };
    let settings = of_kind(resources, "ConfigMap")
        .find(|c| c["metadata"]["name"].as_str() == Some("bakery-settings"))
        .ok_or("no ConfigMap bakery-settings")?;
    let setting = |name: &str| settings["data"][name].as_str().map(str::to_owned);
    for name in settings["data"]
        .as_hash()
        .into_iter()
        .flat_map(|h| h.keys())
    {
        if !name.as_str().is_some_and(known) {
            return Err(format!("the ConfigMap sets {name:?}, which is no setting"));
        }
    }
    let grace = setting("BAKERY_SHUTDOWN_GRACE")
        .as_deref()
        .and_then(seconds)
        .ok_or("BAKERY_SHUTDOWN_GRACE is not a duration in the ConfigMap")?;
    let secret_keys: Vec<&Yaml> = secret_example
        .iter()
        .flat_map(|s| s["stringData"].as_hash().into_iter().flat_map(|h| h.keys()))
        .collect();
    let workloads = of_kind(resources, "Deployment").chain(of_kind(resources, "Job"));
    for workload in workloads {
        let pod = &workload["spec"]["template"]["spec"];
        let containers = list(&pod["containers"])
            .iter()
            .chain(list(&pod["initContainers"]));
        let mut pre_stop = 0.0;
        for container in containers {
            for source in list(&container["envFrom"]) {
                let name = &source["configMapRef"]["name"];
                if !name.is_badvalue()
                    && !of_kind(resources, "ConfigMap").any(|c| c["metadata"]["name"] == *name)
                {
                    return Err(format!(
                        "{} reads ConfigMap {name:?}, which is not there",
                        id(workload)
                    ));
                }
            }
            for variable in list(&container["env"]) {
                if !variable["name"].as_str().is_some_and(known) {
                    return Err(format!(
                        "{} sets {:?}, which is no setting",
                        id(workload),
                        variable["name"]
                    ));
                }
                let secret = &variable["valueFrom"]["secretKeyRef"];
                if !secret.is_badvalue() && !secret_keys.contains(&&secret["key"]) {
                    return Err(format!(
                        "{} reads {:?} of the Secret, which secret.example.yaml does not show",
                        id(workload),
                        secret["key"]
                    ));
                }
            }
            let sleep = list(&container["lifecycle"]["preStop"]["exec"]["command"]);
            if let [Yaml::String(program), Yaml::String(time)] = sleep
                && program == "sleep"
            {
                pre_stop = time.parse().map_err(|_| "preStop sleeps a bad time")?;
            }
        }
        let allowed = pod["terminationGracePeriodSeconds"].as_i64().unwrap_or(30) as f64;
        if workload["kind"].as_str() == Some("Deployment") && allowed < pre_stop + grace + 5.0 {
            return Err(format!(
                "{}: terminationGracePeriodSeconds {allowed} is not above the preStop pause \
                 ({pre_stop} s) plus BAKERY_SHUTDOWN_GRACE ({grace} s) plus 5 s",
                id(workload)
            ));
        }
    }
    let deployment =
        |name: &Yaml| of_kind(resources, "Deployment").find(|d| d["metadata"]["name"] == *name);
    let scalers =
        of_kind(resources, "HorizontalPodAutoscaler").chain(of_kind(resources, "ScaledObject"));
    let mut scaled = Vec::new();
    for scaler in scalers {
        let target = &scaler["spec"]["scaleTargetRef"]["name"];
        if deployment(target).is_none() {
            return Err(format!(
                "{} scales {target:?}, which is not a Deployment here",
                id(scaler)
            ));
        }
        if scaled.contains(&target) {
            return Err(format!("{target:?} has two autoscalers"));
        }
        scaled.push(target);
    }
    for selecting in of_kind(resources, "Service").chain(of_kind(resources, "PodDisruptionBudget"))
    {
        let spec = &selecting["spec"]["selector"];
        let wanted = spec["matchLabels"]
            .as_hash()
            .or(spec.as_hash())
            .ok_or("no selector")?;
        let selects = of_kind(resources, "Deployment").any(|d| {
            let labels = &d["spec"]["template"]["metadata"]["labels"];
            wanted
                .iter()
                .all(|(k, v)| labels[k.as_str().unwrap_or_default()] == *v)
        });
        if !selects {
            return Err(format!("{} selects no Deployment's pods", id(selecting)));
        }
    }
    // The queue's full name, as `Names::orders_queue` makes it.
    let queue = setting("BAKERY_QUEUE_PREFIX").unwrap_or_default()
        + &setting("BAKERY_ORDERS_QUEUE").unwrap_or_else(|| "orders".to_owned());
    for scaler in of_kind(resources, "ScaledObject") {
        for trigger in list(&scaler["spec"]["triggers"]) {
            let watched = trigger["metadata"]["queueName"].as_str();
            if trigger["type"].as_str() == Some("rabbitmq") && watched != Some(queue.as_str()) {
                return Err(format!(
                    "{} watches queue {watched:?}, the workers read {queue:?}",
                    id(scaler)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
