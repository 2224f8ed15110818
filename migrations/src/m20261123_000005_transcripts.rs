//! Call transcripts, one row per segment so they can be searched later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TranscriptSegments {
    Table,
    Id,
    OrganisationId,
    CallId,
    Position,
    StartMs,
    EndMs,
    Speaker,
    Text,
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
                    .table(TranscriptSegments::Table)
                    .col(pk_uuid(TranscriptSegments::Id))
                    .col(uuid(TranscriptSegments::OrganisationId))
                    .col(uuid(TranscriptSegments::CallId))
                    .col(integer(TranscriptSegments::Position))
                    .col(big_integer(TranscriptSegments::StartMs))
                    .col(big_integer(TranscriptSegments::EndMs))
                    .col(string_len_null(TranscriptSegments::Speaker, 200))
                    .col(text(TranscriptSegments::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transcript_segments_call")
                            .from(TranscriptSegments::Table, TranscriptSegments::CallId)
                            .to(Calls::Table, Calls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_transcript_segments_call")
                    .table(TranscriptSegments::Table)
                    .col(TranscriptSegments::CallId)
                    .col(TranscriptSegments::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TranscriptSegments::Table).to_owned()).await
    }
}
