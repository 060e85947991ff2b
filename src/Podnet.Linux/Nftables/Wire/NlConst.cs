namespace Podnet.Linux.Nftables.Wire;

/// <summary>Netlink, nfnetlink and nf_tables numbers (linux/netlink.h, netfilter/nfnetlink.h, netfilter/nf_tables.h).</summary>
internal static class NlConst
{
    // nlmsghdr flags and types
    public const ushort F_REQUEST = 0x1, F_MULTI = 0x2, F_ACK = 0x4, F_ECHO = 0x8;
    public const ushort F_ROOT = 0x100, F_MATCH = 0x200, F_DUMP = F_ROOT | F_MATCH;
    public const ushort F_REPLACE = 0x100, F_EXCL = 0x200, F_CREATE = 0x400, F_APPEND = 0x800;
    public const ushort F_NONREC = 0x100; // for deletes
    public const ushort F_CAPPED = 0x100, F_ACK_TLVS = 0x200; // in NLMSG_ERROR replies
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    public const int NLMSGERR_ATTR_MSG = 1, NLMSGERR_ATTR_OFFS = 2;
    public const ushort NLA_F_NESTED = 0x8000;
    public const int HeaderLength = 16, NfGenLength = 4;

    // nfnetlink
    public const ushort NFNL_SUBSYS_NFTABLES = 10;
    public const ushort BATCH_BEGIN = 0x10, BATCH_END = 0x11;
    public const ushort NFNL_BATCH_GENID = 1;

    // nf_tables message types
    public const ushort NEWTABLE = 0, GETTABLE = 1, DELTABLE = 2, NEWCHAIN = 3, GETCHAIN = 4, DELCHAIN = 5,
        NEWRULE = 6, GETRULE = 7, DELRULE = 8, NEWSET = 9, GETSET = 10, DELSET = 11,
        NEWSETELEM = 12, GETSETELEM = 13, DELSETELEM = 14, NEWGEN = 15, GETGEN = 16,
        DESTROYTABLE = 26, DESTROYCHAIN = 27, DESTROYRULE = 28, DESTROYSET = 29, DESTROYSETELEM = 30;

    public static ushort MsgType(ushort nftMsg) => (ushort)(NFNL_SUBSYS_NFTABLES << 8 | nftMsg);

    // attributes
    public const ushort TABLE_NAME = 1, TABLE_FLAGS = 2, TABLE_USE = 3, TABLE_HANDLE = 4, TABLE_USERDATA = 6;
    public const ushort CHAIN_TABLE = 1, CHAIN_HANDLE = 2, CHAIN_NAME = 3, CHAIN_HOOK = 4, CHAIN_POLICY = 5,
        CHAIN_USE = 6, CHAIN_TYPE = 7, CHAIN_FLAGS = 10, CHAIN_USERDATA = 12;
    public const ushort HOOK_HOOKNUM = 1, HOOK_PRIORITY = 2;
    public const ushort RULE_TABLE = 1, RULE_CHAIN = 2, RULE_HANDLE = 3, RULE_EXPRESSIONS = 4, RULE_POSITION = 6, RULE_USERDATA = 7;
    public const ushort LIST_ELEM = 1;
    public const ushort EXPR_NAME = 1, EXPR_DATA = 2;
    public const ushort SET_TABLE = 1, SET_NAME = 2, SET_FLAGS = 3, SET_KEY_TYPE = 4, SET_KEY_LEN = 5,
        SET_DATA_TYPE = 6, SET_DATA_LEN = 7, SET_POLICY = 8, SET_DESC = 9, SET_ID = 10, SET_TIMEOUT = 11,
        SET_GC_INTERVAL = 12, SET_USERDATA = 13, SET_HANDLE = 16;
    public const ushort SET_DESC_SIZE = 1, SET_DESC_CONCAT = 2, SET_FIELD_LEN = 1;
    public const ushort ELEM_LIST_TABLE = 1, ELEM_LIST_SET = 2, ELEM_LIST_ELEMENTS = 3, ELEM_LIST_SET_ID = 4;
    public const ushort ELEM_KEY = 1, ELEM_DATA = 2, ELEM_FLAGS = 3, ELEM_TIMEOUT = 4, ELEM_EXPIRATION = 5,
        ELEM_USERDATA = 6, ELEM_KEY_END = 10;
    public const ushort DATA_VALUE = 1, DATA_VERDICT = 2;
    public const ushort VERDICT_CODE = 1, VERDICT_CHAIN = 2;
    public const uint NFT_DATA_VERDICT = 0xffffff00;
    public const uint SET_F_CONSTANT = 0x2, SET_F_INTERVAL = 0x4, SET_F_MAP = 0x8, SET_F_TIMEOUT = 0x10,
        SET_F_EVAL = 0x20, SET_F_CONCAT = 0x80;
    public const uint ELEM_F_INTERVAL_END = 0x1;

    // libnftnl user data TLVs: comments live in userdata so `nft list` shows them.
    public const byte UDATA_COMMENT = 0;       // table, chain, rule and element comments
    public const byte UDATA_SET_COMMENT = 7;
}
