//! A call's headline conversation figures, kept beside it so call lists can
//! filter on talk ratio and progress can average a rep's week without
//! reading every call's speech segments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallMetrics {
    Table,
    CallId,
    OrganisationId,
    TalkRatioBp,
    LongestMonologueMs,
    PatienceMs,
    TurnChanges,
    RepQuestions,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CallMetrics::Table)
                    .col(pk_uuid(CallMetrics::CallId))
                    .col(uuid(CallMetrics::OrganisationId))
                    .col(integer_null(CallMetrics::TalkRatioBp))
                    .col(big_integer_null(CallMetrics::LongestMonologueMs))
                    .col(big_integer_null(CallMetrics::PatienceMs))
                    .col(integer_null(CallMetrics::TurnChanges))
                    .col(integer_null(CallMetrics::RepQuestions))
                    .col(timestamp_with_time_zone(CallMetrics::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_call_metrics_call")
                            .from(CallMetrics::Table, CallMetrics::CallId)
                            .to(Calls::Table, Calls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_call_metrics_talk_ratio")
                    .table(CallMetrics::Table)
                    .col(CallMetrics::OrganisationId)
                    .col(CallMetrics::TalkRatioBp)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CallMetrics::Table).to_owned()).await
    }
}
