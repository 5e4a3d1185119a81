// What the host asks of the kernel. `main.ts` implements it over JSON-RPC; keeping it an interface
// lets the host logic run in-process for benchmarks.
import type {
  ArtifactCreateParams,
  ArtifactCreateResult,
  DatasourceQueryParams,
  DatasourceResult,
  ExtensionDidCrashParams,
  LogParams,
  ModelChatChunkParams,
  SecretsResolveParams,
  SecretsResolveResult,
  SidecarConnectParams,
  SidecarConnectResult,
  StorageDeleteParams,
  StorageDeleteResult,
  StorageGetParams,
  StorageGetResult,
  StorageListParams,
  StorageListResult,
  StorageSetParams,
} from '@penny/manifests';

export interface KernelPort {
  storageGet(params: StorageGetParams): Promise<StorageGetResult>;
  storageSet(params: StorageSetParams): Promise<void>;
  storageDelete(params: StorageDeleteParams): Promise<StorageDeleteResult>;
  storageList(params: StorageListParams): Promise<StorageListResult>;
  secretsResolve(params: SecretsResolveParams): Promise<SecretsResolveResult>;
  datasourceQuery(params: DatasourceQueryParams): Promise<DatasourceResult>;
  artifactCreate(params: ArtifactCreateParams): Promise<ArtifactCreateResult>;
  log(params: LogParams): void;
  chatChunk(params: ModelChatChunkParams): void;
  didCrash(params: ExtensionDidCrashParams): void;
  /** Absent where no kernel supervises sidecars (in-process benchmarks, tests): loopback is then ordinary egress. */
  sidecarConnect?(params: SidecarConnectParams): Promise<SidecarConnectResult>;
}
