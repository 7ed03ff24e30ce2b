//! The packaging files, checked without a Docker engine or systemd: the image's healthcheck and
//! start command run against the binary, the compose file's nodes pass `config check` with their
//! environment, and the files name each other consistently.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repository(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(repository(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The JSON array of a Dockerfile instruction (`HEALTHCHECK ... CMD [...]`, `ENTRYPOINT [...]`).
fn exec_form(dockerfile: &str, instruction: &str) -> Vec<String> {
    let joined = dockerfile.replace("\\\n", " ");
    let line = joined
        .lines()
        .find(|line| line.starts_with(instruction))
        .unwrap_or_else(|| panic!("no {instruction} in the Dockerfile"));
    let array = &line[line.find('[').expect("exec form")..];
    serde_json::from_str(array).unwrap_or_else(|e| panic!("{instruction}: {e}: {array}"))
}

#[tokio::test]
async fn the_images_healthcheck_passes_on_a_serving_node_and_fails_without_one() {
    let dockerfile = read("Dockerfile");
    let healthcheck = exec_form(&dockerfile, "HEALTHCHECK");
    let entrypoint = exec_form(&dockerfile, "ENTRYPOINT");
    let command = exec_form(&dockerfile, "CMD [");
    assert_eq!(entrypoint, ["/usr/local/bin/sockudo"]);
    assert_eq!(command, ["serve"]);
    let check = |port: u16| {
        std::process::Command::new(&healthcheck[0])
            .args(&healthcheck[1..])
            .env("PORT", port.to_string())
            .status()
            .unwrap()
    };
    let nobody = free_port();
    assert!(!check(nobody).success(), "no server: unhealthy");
    // The image's start command: `sockudo serve` with HOST=0.0.0.0, as the Dockerfile sets it.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut serve = serve_in(dir.path(), port);
    let mut child = serve.env("HOST", "0.0.0.0").spawn().unwrap();
    let mut healthy = false;
    for _ in 0..200 {
        if check(port).success() {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(healthy, "the healthcheck never passed");
}

/// docker-compose.yml as JSON, read with PyYAML.
fn compose() -> Value {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(repository("docker-compose.yml"))
        .output()
        .expect("python3 with PyYAML (scripts/test.sh installs python3-yaml)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_compose_nodes_pass_config_check_and_nginx_upgrades_to_them() {
    let compose = compose();
    let services = compose["services"].as_object().expect("services");
    let nodes: Vec<&String> = services
        .keys()
        .filter(|name| name.starts_with("sockudo"))
        .collect();
    assert_eq!(nodes.len(), 2, "two nodes: {:?}", services.keys());
    for node in &nodes {
        let service = &services[node.as_str()];
        assert_eq!(service["build"], ".", "{node} builds this repository");
        let environment = service["environment"].as_object().expect("environment");
        assert_eq!(
            environment["ADAPTER_DRIVER"], "redis",
            "{node} joins the others"
        );
        let mut check = sockudo();
        check.args(["config", "check", "--strict"]).env_clear();
        for (name, value) in environment {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            check.env(name, value);
        }
        let output = check.output().unwrap();
        assert!(
            output.status.success(),
            "{node}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let nginx = &services["nginx"];
    let volume = nginx["volumes"][0].as_str().expect("nginx config volume");
    let config_file = volume.split(':').next().unwrap().trim_start_matches("./");
    let nginx_conf = read(config_file);
    for node in &nodes {
        assert!(
            nginx_conf.contains(&format!("server {node}:6001;")),
            "nginx sends to {node}"
        );
    }
    for upgrade in [
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_http_version 1.1;",
    ] {
        assert!(nginx_conf.contains(upgrade), "nginx.conf lacks {upgrade}");
    }
}

#[test]
fn the_systemd_unit_waits_for_readiness_and_runs_serve() {
    let unit = read("contrib/sockudo.service");
    assert!(
        unit.contains("\nType=notify\n"),
        "READY=1 is what serve sends"
    );
    let exec = unit
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/sockudo"));
    let args: Vec<&str> = words.collect();
    assert_eq!(args.first(), Some(&"serve"));
    // The flags parse: `serve --help` with them errors on none.
    let output = sockudo().args(&args).arg("--help").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
