"""The Milvus engine: the same index contract on Milvus Lite, Standalone or Distributed (pymilvus MilvusClient)."""
