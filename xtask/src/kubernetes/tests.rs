use std::path::PathBuf;

use yaml_rust2::{Yaml, YamlLoader};

use super::*;

fn yaml(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).unwrap().remove(0)
}

fn deploy() -> PathBuf {
    crate::root().join("deploy").join("kubernetes")
}

fn overlay(name: &str) -> Vec<Yaml> {
    render(&deploy().join("overlays").join(name)).unwrap()
}

fn example() -> Vec<Yaml> {
    load_file(&deploy().join("secret.example.yaml")).unwrap()
}

fn settings() -> String {
    std::fs::read_to_string(crate::root().join("src/config/table.rs")).unwrap()
}

#[test]
fn a_merge_patch_merges_mappings_removes_nulls_and_refuses_lists() {
    let mut target = yaml("a: {b: 1, c: 2}\nd: [1]\ne: x");
    merge_patch(&mut target, &yaml("a: {b: 3, c: null}\ne: y\nf: {g: 1}")).unwrap();
    assert_eq!(target, yaml("a: {b: 3}\nd: [1]\ne: y\nf: {g: 1}"));
    assert!(merge_patch(&mut target, &yaml("d: [2]")).is_err());
}

#[test]
fn both_overlays_render_and_pass_the_cross_checks() {
    for name in OVERLAYS {
        let resources = overlay(name);
        check(&resources, &example(), &settings()).unwrap();
        assert!(emit(&resources).unwrap().contains("bakery-api"));
    }
    let ids = |r: &[Yaml]| r.iter().map(id).collect::<Vec<_>>();
    let cpu = ids(&overlay("cpu"));
    assert!(cpu.contains(&"HorizontalPodAutoscaler/bakery-worker".to_owned()));
    let keda = overlay("keda");
    assert!(ids(&keda).contains(&"ScaledObject/bakery-worker".to_owned()));
    assert!(!ids(&keda).contains(&"HorizontalPodAutoscaler/bakery-worker".to_owned()));
    let worker = keda
        .iter()
        .find(|r| id(r) == "Deployment/bakery-worker")
        .unwrap();
    assert!(
        worker["spec"]["replicas"].is_badvalue(),
        "KEDA owns the count"
    );
}

#[test]
fn the_checks_catch_a_short_grace_a_wrong_queue_an_unknown_setting_and_a_missing_secret_key() {
    let broken = |path: &str, patch: &str| {
        let mut resources = overlay("keda");
        let patch = yaml(patch);
        let target = resources.iter_mut().find(|r| id(r) == path).unwrap();
        merge_patch(target, &patch).unwrap();
        check(&resources, &example(), &settings()).unwrap_err()
    };
    let short = broken(
        "Deployment/bakery-api",
        "spec: {template: {spec: {terminationGracePeriodSeconds: 12}}}",
    );
    assert!(short.contains("terminationGracePeriodSeconds"), "{short}");
    let queue = broken(
        "ConfigMap/bakery-settings",
        "data: {BAKERY_QUEUE_PREFIX: shop1.}",
    );
    assert!(queue.contains("shop1.orders"), "{queue}");
    let mut resources = overlay("cpu");
    let no_secret = check(&resources, &[], &settings()).unwrap_err();
    assert!(no_secret.contains("BAKERY_DATABASE_URL"), "{no_secret}");
    resources.retain(|r| id(r) != "Deployment/bakery-worker");
    let orphan = check(&resources, &example(), &settings()).unwrap_err();
    assert!(orphan.contains("bakery-worker"), "{orphan}");
}

#[test]
fn an_unknown_kustomization_field_is_refused() {
    let dir = std::env::temp_dir().join(format!("xtask-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "namePrefix: x-\nresources: []\n",
    )
    .unwrap();
    let refused = render(&dir).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(refused.contains("namePrefix"), "{refused}");
}

/// Where `kubectl` is installed, its own kustomize renders each overlay to the same resources.
#[test]
fn the_rendering_matches_kubectl_kustomize_where_kubectl_is_installed() {
    for name in OVERLAYS {
        let dir = deploy().join("overlays").join(name);
        let Ok(out) = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
        else {
            eprintln!("kubectl is not installed: rendering not compared");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = YamlLoader::load_from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
        let mut ours = overlay(name);
        assert_eq!(theirs.len(), ours.len(), "{name}");
        for resource in &theirs {
            let at = ours.iter().position(|r| id(r) == id(resource)).unwrap();
            assert!(
                same(&ours.remove(at), resource),
                "{name}: {} differs",
                id(resource)
            );
        }
    }
}

/// Equal up to the order of mapping keys (kustomize sorts them).
fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Hash(a), Yaml::Hash(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        (Yaml::Array(a), Yaml::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}
