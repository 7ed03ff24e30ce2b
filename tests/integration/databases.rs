//! Real databases for the store tests: a SQLite file, and fresh databases on the PostgreSQL and
//! MariaDB servers that `scripts/test.sh` starts (`SOCKUDO_TEST_POSTGRES_URL`,
//! `SOCKUDO_TEST_MYSQL_URL`). Without those variables the tests say so and pass over them, except
//! under CI (`CI` set), where a missing database is a failure.

use sqlx::Executor;

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Postgres,
    Mysql,
}

/// A URL for a new, empty database on the server of `kind`, or None outside CI without one.
pub async fn fresh(kind: Kind) -> Option<String> {
    let variable = match kind {
        Kind::Postgres => "SOCKUDO_TEST_POSTGRES_URL",
        Kind::Mysql => "SOCKUDO_TEST_MYSQL_URL",
    };
    let Ok(admin_url) = std::env::var(variable) else {
        if std::env::var_os("CI").is_some() {
            panic!("{variable} is not set: run the suite with scripts/test.sh");
        }
        eprintln!("skipping: {variable} is not set (scripts/test.sh sets it)");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("t{}", hex::encode(rand::random::<[u8; 6]>()));
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .expect("test database server");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("URL with a database");
    Some(format!("{base}/{name}"))
}
