//! Dialer integrations: integration tokens, where each call came from, the
//! responses kept for `Idempotency-Key` replays, and the full-text indexes
//! that `GET /v1/search` reads.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntegrationTokens {
    Table,
    Id,
    OrganisationId,
    Source,
    Name,
    Prefix,
    SecretHash,
    SigningSecret,
    AccountSid,
    RepChannel,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    OrganisationId,
    ExternalRef,
    Source,
    IntegrationId,
    RepChannel,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    RequestHash,
    Status,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
    CompletedAt,
}

/// SQLite keeps its own FTS5 tables in step with triggers; the rows carry the
/// ids needed to join back and to scope by organisation.
const SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE transcript_search USING fts5(text, segment_id UNINDEXED, call_id UNINDEXED, organisation_id UNINDEXED, tokenize = 'porter unicode61')",
    "CREATE VIRTUAL TABLE comment_search USING fts5(body, comment_id UNINDEXED, call_id UNINDEXED, organisation_id UNINDEXED, tokenize = 'porter unicode61')",
    "INSERT INTO transcript_search (text, segment_id, call_id, organisation_id) SELECT text, id, call_id, organisation_id FROM transcript_segments",
    "INSERT INTO comment_search (body, comment_id, call_id, organisation_id) SELECT body, id, call_id, organisation_id FROM comments",
    "CREATE TRIGGER transcript_search_insert AFTER INSERT ON transcript_segments BEGIN INSERT INTO transcript_search (text, segment_id, call_id, organisation_id) VALUES (new.text, new.id, new.call_id, new.organisation_id); END",
    "CREATE TRIGGER transcript_search_delete AFTER DELETE ON transcript_segments BEGIN DELETE FROM transcript_search WHERE segment_id = old.id; END",
    "CREATE TRIGGER transcript_search_update AFTER UPDATE OF text ON transcript_segments BEGIN UPDATE transcript_search SET text = new.text WHERE segment_id = new.id; END",
    "CREATE TRIGGER comment_search_insert AFTER INSERT ON comments BEGIN INSERT INTO comment_search (body, comment_id, call_id, organisation_id) VALUES (new.body, new.id, new.call_id, new.organisation_id); END",
    "CREATE TRIGGER comment_search_delete AFTER DELETE ON comments BEGIN DELETE FROM comment_search WHERE comment_id = old.id; END",
    "CREATE TRIGGER comment_search_update AFTER UPDATE OF body ON comments BEGIN UPDATE comment_search SET body = new.body WHERE comment_id = new.id; END",
];

/// PostgreSQL searches the tables themselves through expression indexes; the
/// queries use the same expressions so the planner can pick them.
const POSTGRES_SEARCH: &[&str] = &[
    "CREATE INDEX ix_transcript_segments_search ON transcript_segments USING GIN (to_tsvector('english', text))",
    "CREATE INDEX ix_comments_search ON comments USING GIN (to_tsvector('english', body))",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntegrationTokens::Table)
                    .col(pk_uuid(IntegrationTokens::Id))
                    .col(uuid(IntegrationTokens::OrganisationId))
                    .col(string_len(IntegrationTokens::Source, 32))
                    .col(string_len(IntegrationTokens::Name, 200))
                    .col(string_len(IntegrationTokens::Prefix, 16))
                    .col(string_len_uniq(IntegrationTokens::SecretHash, 64))
                    .col(string_len_null(IntegrationTokens::SigningSecret, 200))
                    .col(string_len_null(IntegrationTokens::AccountSid, 200))
                    .col(integer(IntegrationTokens::RepChannel))
                    .col(uuid(IntegrationTokens::CreatedBy))
                    .col(timestamp_with_time_zone(IntegrationTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(IntegrationTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(IntegrationTokens::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_integration_tokens_organisation")
                    .table(IntegrationTokens::Table)
                    .col(IntegrationTokens::OrganisationId)
                    .to_owned(),
            )
            .await?;

        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(string_len(Calls::Source, 32).default("api"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(uuid_null(Calls::IntegrationId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(integer_null(Calls::RepChannel))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_calls_organisation_external_ref")
                    .table(Calls::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_calls_organisation_source_external_ref")
                    .table(Calls::Table)
                    .col(Calls::OrganisationId)
                    .col(Calls::Source)
                    .col(Calls::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_calls_integration")
                    .table(Calls::Table)
                    .col(Calls::IntegrationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(pk_uuid(IdempotencyKeys::Id))
                    .col(string_len(IdempotencyKeys::Scope, 64))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len_null(IdempotencyKeys::RequestHash, 64))
                    .col(string_len(IdempotencyKeys::Status, 16))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(json_null(IdempotencyKeys::ResponseHeaders))
                    .col(blob_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(IdempotencyKeys::CompletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_keys_scope_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Scope)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_SEARCH,
            DatabaseBackend::Postgres => POSTGRES_SEARCH,
            _ => &[],
        };
        let connection = manager.get_connection();
        for statement in statements {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for name in [
                    "transcript_search_insert",
                    "transcript_search_delete",
                    "transcript_search_update",
                    "comment_search_insert",
                    "comment_search_delete",
                    "comment_search_update",
                ] {
                    connection
                        .execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                        .await?;
                }
                connection.execute_unprepared("DROP TABLE IF EXISTS transcript_search").await?;
                connection.execute_unprepared("DROP TABLE IF EXISTS comment_search").await?;
            }
            DatabaseBackend::Postgres => {
                connection
                    .execute_unprepared("DROP INDEX IF EXISTS ix_transcript_segments_search")
                    .await?;
                connection.execute_unprepared("DROP INDEX IF EXISTS ix_comments_search").await?;
            }
            _ => {}
        }
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_calls_organisation_source_external_ref")
                    .table(Calls::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name("ix_calls_integration").table(Calls::Table).to_owned())
            .await?;
        for column in [Calls::Source, Calls::IntegrationId, Calls::RepChannel] {
            manager
                .alter_table(Table::alter().table(Calls::Table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_calls_organisation_external_ref")
                    .table(Calls::Table)
                    .col(Calls::OrganisationId)
                    .col(Calls::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(IntegrationTokens::Table).to_owned()).await
    }
}
