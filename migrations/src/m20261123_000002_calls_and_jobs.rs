//! Calls (recordings and their analysed facts) and the durable job queue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    OrganisationId,
    RepId,
    CreatedBy,
    Title,
    OccurredAt,
    Direction,
    CounterpartName,
    CounterpartCompany,
    ExternalRef,
    Status,
    FailureCode,
    FailureMessage,
    AudioKey,
    ContentType,
    SizeBytes,
    Sha256,
    Container,
    Codec,
    SampleRate,
    Channels,
    BitsPerSample,
    DurationMs,
    DecodeErrors,
    PeaksKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    DedupeKey,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedBy,
    LeaseExpiresAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(pk_uuid(Calls::Id))
                    .col(uuid(Calls::OrganisationId))
                    .col(uuid(Calls::RepId))
                    .col(uuid(Calls::CreatedBy))
                    .col(string_len(Calls::Title, 300))
                    .col(timestamp_with_time_zone_null(Calls::OccurredAt))
                    .col(string_len_null(Calls::Direction, 16))
                    .col(string_len_null(Calls::CounterpartName, 200))
                    .col(string_len_null(Calls::CounterpartCompany, 200))
                    .col(string_len_null(Calls::ExternalRef, 200))
                    .col(string_len(Calls::Status, 16))
                    .col(string_len_null(Calls::FailureCode, 64))
                    .col(text_null(Calls::FailureMessage))
                    .col(string_len_null(Calls::AudioKey, 300))
                    .col(string_len_null(Calls::ContentType, 100))
                    .col(big_integer_null(Calls::SizeBytes))
                    .col(string_len_null(Calls::Sha256, 64))
                    .col(string_len_null(Calls::Container, 32))
                    .col(string_len_null(Calls::Codec, 32))
                    .col(integer_null(Calls::SampleRate))
                    .col(integer_null(Calls::Channels))
                    .col(integer_null(Calls::BitsPerSample))
                    .col(big_integer_null(Calls::DurationMs))
                    .col(big_integer_null(Calls::DecodeErrors))
                    .col(string_len_null(Calls::PeaksKey, 300))
                    .col(timestamp_with_time_zone(Calls::CreatedAt))
                    .col(timestamp_with_time_zone(Calls::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calls_organisation")
                            .from(Calls::Table, Calls::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calls_rep")
                            .from(Calls::Table, Calls::RepId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
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
        manager
            .create_index(
                Index::create()
                    .name("ix_calls_rep_occurred")
                    .table(Calls::Table)
                    .col(Calls::RepId)
                    .col(Calls::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(string_len(Jobs::Kind, 32))
                    .col(json(Jobs::Payload))
                    .col(string_len_uniq(Jobs::DedupeKey, 200))
                    .col(string_len(Jobs::Status, 16))
                    .col(integer(Jobs::Attempts))
                    .col(integer(Jobs::MaxAttempts))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(string_len_null(Jobs::LockedBy, 100))
                    .col(timestamp_with_time_zone_null(Jobs::LeaseExpiresAt))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_claim")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Jobs::Table.into_iden(), Calls::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
