//! What a server stored, read (or changed) straight in its database: to check that no secret is
//! kept in clear (P-WABA-3, P-IDEM-2), and to make a sandbox provider lose one of its objects.

use crate::{Backend, TestApp};

impl TestApp {
    /// Every byte the store holds, as text: the SQLite files, or every PostgreSQL row.
    pub async fn stored_text(&self) -> String {
        match self.backend {
            Backend::Sqlite => {
                let mut all = Vec::new();
                for name in ["onramp.db", "onramp.db-wal"] {
                    if let Ok(bytes) = std::fs::read(self.dir.join(name)) {
                        all.extend(bytes);
                    }
                }
                String::from_utf8_lossy(&all).into_owned()
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                let tables: Vec<(String,)> = sqlx::query_as(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                let mut all = String::new();
                for (table,) in tables {
                    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT t::text FROM \"{table}\" t"
                    )))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                    for (row,) in rows {
                        all.push_str(&row);
                        all.push('\n');
                    }
                }
                all
            }
        }
    }

    /// Deletes the sandbox's provider object `id` of `kind` (`bsp.sender`, `paypal.order`, ...)
    /// of this app's tenant, as if the provider had lost it.
    pub async fn forget_sandbox_object(&self, kind: &str, id: &str) {
        use sqlx::Connection;
        const DELETE: &str =
            "DELETE FROM sandbox_objects WHERE tenant_id = $1 AND kind = $2 AND id = $3";
        let deleted = match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query(DELETE)
                    .bind(&self.tenant_id)
                    .bind(kind)
                    .bind(id)
                    .execute(&mut conn)
                    .await
                    .unwrap()
                    .rows_affected()
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query(DELETE)
                    .bind(&self.tenant_id)
                    .bind(kind)
                    .bind(id)
                    .execute(&mut conn)
                    .await
                    .unwrap()
                    .rows_affected()
            }
        };
        assert_eq!(deleted, 1, "the sandbox held {kind} {id}");
    }
}
